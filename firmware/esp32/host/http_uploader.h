// The host build's Uploader: seed 003's POST /api/upload over plain HTTP/1.1 on a POSIX socket
// (what HTTPClient does on the ESP32), so virtual devices put their captures on the engine's
// image API as real nodes do. http:// only; one request per connection, bounded by a timeout.
#pragma once

#include <string>
#include <vector>

#include "sentinel/hal.h"

namespace sentinel::host {

class HttpUploader : public Uploader {
 public:
  /// `api_key`, when set, goes out as `x-api-key` (the device key its registration issued).
  explicit HttpUploader(std::string api_key = "", int timeout_ms = 5000)
      : api_key_(std::move(api_key)), timeout_ms_(timeout_ms) {}
  bool upload(const std::string& url, const std::string& device_id, const std::string& location,
              const std::vector<uint8_t>& jpeg, std::string& filename) override;

 private:
  std::string api_key_;
  int timeout_ms_;
};

/// `http://host[:port]/path` split up; false for anything else (https included).
bool split_http_url(const std::string& url, std::string& host, std::string& port,
                    std::string& path);

}  // namespace sentinel::host
