#include "sentinel/upload.h"

#include "sentinel/json.h"

namespace sentinel {

namespace {
// Fixed: a JPEG holding "--" plus these 24 characters at a line start is not a real risk.
constexpr const char* kBoundary = "sentinelboundary7MA4YWxk";
}  // namespace

UploadForm upload_form(const std::string& device_id, const std::string& location,
                       const std::vector<uint8_t>& jpeg) {
  const std::string boundary = kBoundary;
  UploadForm form;
  form.content_type = "multipart/form-data; boundary=" + boundary;
  std::string& body = form.body;
  body.reserve(jpeg.size() + 512);
  const std::pair<const char*, const std::string*> fields[] = {{"device_id", &device_id},
                                                               {"location", &location}};
  for (const auto& [name, value] : fields)
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
            *value + "\r\n";
  body += "--" + boundary +
          "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"capture.jpg\"\r\n"
          "Content-Type: image/jpeg\r\n\r\n";
  body.append(jpeg.begin(), jpeg.end());
  body += "\r\n--" + boundary + "--\r\n";
  return form;
}

bool upload_accepted(int status, const std::string& response, std::string& filename) {
  filename.clear();
  if (status < 200 || status > 299) return false;
  JsonObject object;
  if (parse_object(response, object)) {
    auto found = object.find("filename");
    if (found != object.end() && found->second.type == JsonValue::Type::String)
      filename = found->second.text;
  }
  return true;
}

}  // namespace sentinel
