#include "sentinel/backoff.h"

namespace sentinel {

uint32_t Backoff::next(uint32_t random) {
  uint64_t ceiling = base_ms_;
  for (uint32_t i = 0; i < attempt_ && ceiling < max_ms_; ++i) ceiling *= 2;
  if (ceiling > max_ms_) ceiling = max_ms_;
  if (attempt_ < 32) ++attempt_;
  uint64_t half = ceiling / 2;
  return static_cast<uint32_t>(half + random % (ceiling - half + 1));
}

}  // namespace sentinel
