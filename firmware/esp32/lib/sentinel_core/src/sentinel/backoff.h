// Reconnect delays: exponential with "equal jitter" (half fixed, half random), so a fleet that
// lost its broker at the same moment does not come back in lock step.
#pragma once

#include <cstdint>

namespace sentinel {

class Backoff {
 public:
  Backoff(uint32_t base_ms = 500, uint32_t max_ms = 30000) : base_ms_(base_ms), max_ms_(max_ms) {}
  /// The next delay: with d = min(max, base * 2^attempt), a value in [d/2, d].
  uint32_t next(uint32_t random);
  void reset() { attempt_ = 0; }
  uint32_t attempt() const { return attempt_; }

 private:
  uint32_t base_ms_, max_ms_;
  uint32_t attempt_ = 0;
};

}  // namespace sentinel
