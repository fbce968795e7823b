#include "sentinel/config.h"

#include <cmath>

#include "sentinel/json.h"

namespace sentinel {

namespace {

bool as_uint(const JsonValue& v, uint32_t low, uint32_t high, uint32_t& out) {
  if (v.type != JsonValue::Type::Number || v.number != std::floor(v.number)) return false;
  if (v.number < low || v.number > high) return false;
  out = static_cast<uint32_t>(v.number);
  return true;
}

}  // namespace

std::string MergeResult::describe() const {
  std::string text;
  for (const auto& key : rejected) {
    if (!text.empty()) text += ", ";
    text += key;
  }
  return text.empty() ? "" : "rejected: " + text;
}

MergeResult merge_config(DeviceConfig& config, const std::string& json) {
  MergeResult result;
  JsonObject object;
  std::string error;
  if (!parse_object(json, object, &error)) {
    result.rejected.push_back("<json: " + error + ">");
    return result;
  }
  DeviceConfig next = config;
  for (const auto& [key, v] : object) {
    bool ok = false;
    uint32_t n = 0;
    if (key == "id") {
      continue;  // a push may carry its own id for the ack; not a setting
    } else if (key == "location") {
      ok = v.type == JsonValue::Type::String && !v.text.empty() && v.text.size() <= 64;
      if (ok) next.location = v.text;
    } else if (key == "sensor_interval_ms") {
      ok = as_uint(v, 100, 86400000, n);
      if (ok) next.sensor_interval_ms = n;
    } else if (key == "heartbeat_interval_ms") {
      ok = as_uint(v, 1000, 86400000, n);
      if (ok) next.heartbeat_interval_ms = n;
    } else if (key == "capture_interval_ms") {
      ok = as_uint(v, 0, 86400000, n) && (n == 0 || n >= 1000);
      if (ok) next.capture_interval_ms = n;
    } else if (key == "qos_sensors") {
      ok = as_uint(v, 0, 1, n);
      if (ok) next.qos_sensors = static_cast<int>(n);
    } else if (key == "qos_camera") {
      ok = as_uint(v, 0, 1, n);
      if (ok) next.qos_camera = static_cast<int>(n);
    } else if (key == "beep_ms") {
      ok = as_uint(v, 1, 10000, n);
      if (ok) next.beep_ms = n;
    } else if (key == "upload_url") {
      ok = v.type == JsonValue::Type::String && v.text.size() <= 256;
      if (ok) next.upload_url = v.text;
    }
    (ok ? result.applied : result.rejected).push_back(key);
  }
  config = next;
  return result;
}

std::string config_to_json(const DeviceConfig& c) {
  JsonWriter w;
  w.begin_object()
      .key("location").value(c.location)
      .key("sensor_interval_ms").value(c.sensor_interval_ms)
      .key("heartbeat_interval_ms").value(c.heartbeat_interval_ms)
      .key("capture_interval_ms").value(c.capture_interval_ms)
      .key("qos_sensors").value(c.qos_sensors)
      .key("qos_camera").value(c.qos_camera)
      .key("beep_ms").value(c.beep_ms)
      .key("upload_url").value(c.upload_url)
      .end_object();
  return w.str();
}

bool valid_device_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace sentinel
