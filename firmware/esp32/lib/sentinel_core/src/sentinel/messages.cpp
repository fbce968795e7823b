#include "sentinel/messages.h"

#include "sentinel/json.h"
#include "sentinel/version.h"

namespace sentinel {

const char* sensor_kind_name(SensorKind kind) {
  switch (kind) {
    case SensorKind::Ultrasonic: return "ultrasonic";
    case SensorKind::Temperature: return "temperature";
    case SensorKind::Humidity: return "humidity";
  }
  return "unknown";
}

const char* sensor_unit(SensorKind kind) {
  switch (kind) {
    case SensorKind::Ultrasonic: return "cm";
    case SensorKind::Temperature: return "C";
    case SensorKind::Humidity: return "%";
  }
  return "";
}

Topics::Topics(const std::string& root, const std::string& device_id)
    : camera(root + "/camera/" + device_id),
      command(root + "/command/" + device_id),
      status(root + "/status/" + device_id),
      ack(root + "/ack/" + device_id),
      config(root + "/config/" + device_id),
      root_(root),
      id_(device_id) {}

std::string Topics::sensor(SensorKind kind) const {
  return root_ + "/sensors/" + sensor_kind_name(kind) + "/" + id_;
}

namespace {

JsonWriter& header(JsonWriter& w, const Header& h) {
  w.begin_object()
      .key("device_id").value(h.device_id)
      .key("location").value(h.location)
      .key("boot").value(h.boot)
      .key("seq").value(h.seq)
      .key("timestamp");
  if (h.timestamp > 0) {
    w.value(h.timestamp);
  } else {
    w.null();  // the server stamps its receive time
  }
  return w;
}

}  // namespace

std::string sensor_payload(const Header& h, SensorKind kind, double value) {
  JsonWriter w;
  header(w, h).key("value").value(value).key("unit").value(sensor_unit(kind)).end_object();
  return w.str();
}

std::string camera_payload(const Header& h, const std::string& trigger, int image_count,
                           const std::string& image, uint32_t image_bytes) {
  JsonWriter w;
  header(w, h).key("event_type").value("capture").key("trigger").value(trigger);
  w.key("image_count").value(image_count).key("image");
  if (image.empty()) {
    w.null();
  } else {
    w.value(image);
  }
  w.key("image_bytes").value(image_bytes).end_object();
  return w.str();
}

std::string status_payload(const Header& h, const std::string& state, const std::string& reason,
                           uint64_t uptime_ms, int rssi) {
  JsonWriter w;
  header(w, h)
      .key("state").value(state)
      .key("reason").value(reason)
      .key("firmware").value(SENTINEL_FW_VERSION)
      .key("uptime_s").value(static_cast<double>(uptime_ms) / 1000.0)
      .key("rssi").value(rssi)
      .end_object();
  return w.str();
}

std::string will_payload(const std::string& device_id, const std::string& location) {
  JsonWriter w;
  w.begin_object()
      .key("device_id").value(device_id)
      .key("location").value(location)
      .key("state").value("offline")
      .key("reason").value("connection lost")
      .key("firmware").value(SENTINEL_FW_VERSION)
      .end_object();
  return w.str();
}

std::string ack_payload(const Header& h, const std::string& command_id, const std::string& command,
                        bool ok, const std::string& detail) {
  JsonWriter w;
  header(w, h)
      .key("command_id").value(command_id)
      .key("command").value(command)
      .key("ok").value(ok)
      .key("detail").value(detail)
      .end_object();
  return w.str();
}

}  // namespace sentinel
