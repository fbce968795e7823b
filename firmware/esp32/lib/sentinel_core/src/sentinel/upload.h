// Seed 003's image upload as bytes on the wire: the multipart form both adapters POST to the
// config's upload_url (POST /api/upload: image, device_id, location), and what the server's
// answer means. No I/O here; the ESP32's HTTPClient and the host's socket client send it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sentinel {

struct UploadForm {
  std::string content_type;  // multipart/form-data with its boundary
  std::string body;
};

/// The request body: `device_id`, `location` and the JPEG as `image` (capture.jpg).
UploadForm upload_form(const std::string& device_id, const std::string& location,
                       const std::vector<uint8_t>& jpeg);

/// True for a 2xx answer (the engine answers 201 Created, seed 003's server 200); `filename`
/// is the stored image's name from the JSON body, left empty when the body has none.
bool upload_accepted(int status, const std::string& response, std::string& filename);

}  // namespace sentinel
