#include "sentinel/device.h"

#include <cstdlib>

#include "sentinel/json.h"

namespace sentinel {

namespace {
constexpr uint32_t kConnectTimeoutMs = 10000;
constexpr SensorKind kSensors[] = {SensorKind::Ultrasonic, SensorKind::Temperature,
                                   SensorKind::Humidity};
}  // namespace

const char* state_name(State state) {
  switch (state) {
    case State::Booting: return "booting";
    case State::Connecting: return "connecting";
    case State::Online: return "online";
    case State::Backoff: return "backoff";
    case State::Rebooting: return "rebooting";
    case State::Stopped: return "stopped";
  }
  return "unknown";
}

Device::Device(Hal& hal, Identity identity, DeviceConfig defaults)
    : hal_(hal),
      identity_(std::move(identity)),
      config_(std::move(defaults)),
      topics_(identity_.root, identity_.device_id) {}

void Device::begin() {
  std::string text;
  if (hal_.storage.load("boot", text)) boot_ = static_cast<uint32_t>(std::strtoul(text.c_str(), nullptr, 10));
  ++boot_;  // a new boot restarts seq at 1; (boot, seq) stays unique per device
  hal_.storage.save("boot", std::to_string(boot_));
  if (hal_.storage.load("config", text)) merge_config(config_, text);
  started_ms_ = hal_.clock.millis();
  state_ = State::Booting;
}

Header Device::next_header() {
  Header h;
  h.device_id = identity_.device_id;
  h.location = config_.location;
  h.boot = boot_;
  h.seq = ++seq_;
  h.timestamp = hal_.clock.epoch_s();
  return h;
}

bool Device::publish(const std::string& topic, const std::string& payload, int qos, bool retain) {
  if (hal_.mqtt.publish(topic, payload, qos, retain)) {
    ++stats_.sent;
    return true;
  }
  ++stats_.errors;  // the seq is spent: the server sees a gap, which is the truth
  return false;
}

void Device::start_connect() {
  MqttOptions options;
  options.host = identity_.broker_host;
  options.port = identity_.broker_port;
  options.client_id = identity_.client_id.empty() ? identity_.device_id : identity_.client_id;
  options.username = identity_.username;
  options.password = identity_.password;
  options.will = MqttWill{topics_.status, will_payload(identity_.device_id, config_.location), 1, true};
  if (hal_.mqtt.connect(options)) {
    state_ = State::Connecting;
    connect_deadline_ = hal_.clock.millis() + kConnectTimeoutMs;
  } else {
    ++stats_.errors;
    enter_backoff();
  }
}

void Device::enter_backoff() {
  state_ = State::Backoff;
  retry_at_ = hal_.clock.millis() + backoff_.next(hal_.clock.random());
}

void Device::on_connected() {
  state_ = State::Online;
  ++stats_.connects;
  backoff_.reset();
  hal_.mqtt.subscribe(topics_.command, 1);
  hal_.mqtt.subscribe(topics_.config, 1);
  publish_status("online", "connected");
  uint64_t now = hal_.clock.millis();
  next_sensors_ = now;  // first readings right away
  next_heartbeat_ = now + config_.heartbeat_interval_ms;
  next_capture_ = now;  // with periodic capture on, a first picture right away (as readings)
}

void Device::loop() {
  if (state_ == State::Stopped || state_ == State::Rebooting) return;
  MqttEvent event;
  while (hal_.mqtt.poll(event)) {
    switch (event.type) {
      case MqttEvent::Type::Connected:
        on_connected();
        break;
      case MqttEvent::Type::Disconnected:
        if (state_ == State::Online || state_ == State::Connecting) {
          ++stats_.errors;
          enter_backoff();
        }
        break;
      case MqttEvent::Type::Message:
        on_message(event.topic, event.payload);
        break;
    }
    if (state_ == State::Rebooting) return;
  }
  uint64_t now = hal_.clock.millis();
  switch (state_) {
    case State::Booting:
      if (hal_.network.up()) start_connect();
      break;
    case State::Connecting:
      if (now >= connect_deadline_) {
        ++stats_.errors;
        hal_.mqtt.disconnect();
        enter_backoff();
      }
      break;
    case State::Backoff:
      if (now >= retry_at_ && hal_.network.up()) start_connect();
      break;
    case State::Online:
      if (now >= next_sensors_) {
        publish_sensors();
        // Keep the cadence, but never burst to catch up after a stall.
        next_sensors_ += config_.sensor_interval_ms;
        if (next_sensors_ <= now) next_sensors_ = now + config_.sensor_interval_ms;
      }
      if (now >= next_heartbeat_) {
        publish_status("online", "heartbeat");
        next_heartbeat_ = now + config_.heartbeat_interval_ms;
      }
      if (config_.capture_interval_ms > 0 && now >= next_capture_) {
        std::string detail;
        capture("interval", detail);
        next_capture_ = now + config_.capture_interval_ms;
      }
      break;
    default:
      break;
  }
}

void Device::publish_sensors() {
  for (SensorKind kind : kSensors) {
    double value = 0;
    if (!hal_.sensors.read(kind, value)) continue;  // no reading, no seq spent
    publish(topics_.sensor(kind), sensor_payload(next_header(), kind, value), config_.qos_sensors,
            false);
  }
}

void Device::publish_status(const char* state, const char* reason) {
  publish(topics_.status,
          status_payload(next_header(), state, reason, hal_.clock.millis() - started_ms_,
                         hal_.network.rssi()), 1,
          true);
}

bool Device::capture(const char* trigger, std::string& detail) {
  std::vector<uint8_t> jpeg;
  if (!hal_.sensors.capture(jpeg)) {
    ++stats_.errors;
    detail = "capture failed";
    return false;
  }
  std::string filename;
  if (!config_.upload_url.empty() &&
      !hal_.uploader.upload(config_.upload_url, identity_.device_id, config_.location, jpeg,
                            filename)) {
    ++stats_.errors;
    detail = "upload failed";
    filename.clear();  // still announce the capture, without an image
  }
  publish(topics_.camera,
          camera_payload(next_header(), trigger, 1, filename, static_cast<uint32_t>(jpeg.size())),
          config_.qos_camera, false);
  if (detail.empty()) detail = filename;
  return true;
}

void Device::on_message(const std::string& topic, const std::string& payload) {
  if (topic == topics_.command) {
    ++stats_.commands;
    handle_command(parse_command(payload));
  } else if (topic == topics_.config) {
    if (!payload.empty()) apply_config(payload, "", "CONFIG");  // empty: retained config cleared
  }
}

void Device::apply_config(const std::string& json, const std::string& id, const char* source) {
  DeviceConfig before = config_;
  MergeResult result = merge_config(config_, json);
  if (!result.ok()) ++stats_.errors;
  if (!result.applied.empty()) {
    hal_.storage.save("config", config_to_json(config_));
    uint64_t now = hal_.clock.millis();
    // A new cadence takes effect now, not after the old interval runs out.
    if (config_.sensor_interval_ms != before.sensor_interval_ms) next_sensors_ = now + config_.sensor_interval_ms;
    if (config_.heartbeat_interval_ms != before.heartbeat_interval_ms) next_heartbeat_ = now + config_.heartbeat_interval_ms;
    if (config_.capture_interval_ms != before.capture_interval_ms) {
      // Periodic capture just switched on: a first picture now, so the fleet view is not blank
      // for a whole interval.
      next_capture_ = before.capture_interval_ms == 0 ? now : now + config_.capture_interval_ms;
    }
  }
  std::string ack_id = id;
  if (ack_id.empty()) {  // a retained config may name itself so its ack can be matched
    JsonObject object;
    if (parse_object(json, object) && object.count("id") &&
        object["id"].type == JsonValue::Type::String)
      ack_id = object["id"].text;
  }
  publish(topics_.ack, ack_payload(next_header(), ack_id, source, result.ok(), result.describe()), 1,
          false);
}

void Device::handle_command(const Command& cmd) {
  switch (cmd.type) {
    case CommandType::Invalid:
      ++stats_.errors;
      publish(topics_.ack, ack_payload(next_header(), cmd.id, cmd.name, false, cmd.error), 1, false);
      return;
    case CommandType::Beep:
      hal_.sensors.beep(cmd.duration_ms ? cmd.duration_ms : config_.beep_ms);
      publish(topics_.ack, ack_payload(next_header(), cmd.id, cmd.name, true, ""), 1, false);
      return;
    case CommandType::Capture: {
      std::string detail;
      bool ok = capture("command", detail);
      publish(topics_.ack, ack_payload(next_header(), cmd.id, cmd.name, ok, detail), 1, false);
      return;
    }
    case CommandType::SetConfig:
      apply_config(cmd.config, cmd.id, "SET_CONFIG");
      return;
    case CommandType::Reboot:
      publish(topics_.ack, ack_payload(next_header(), cmd.id, cmd.name, true, ""), 1, false);
      publish_status("offline", "reboot");
      hal_.mqtt.flush(3000);
      hal_.mqtt.disconnect();
      state_ = State::Rebooting;  // the adapter restarts the chip (host: a new instance)
      return;
  }
}

void Device::shutdown(uint32_t flush_timeout_ms) {
  if (state_ == State::Online) {
    publish_status("offline", "shutdown");
    hal_.mqtt.flush(flush_timeout_ms);
    hal_.mqtt.disconnect();
  }
  state_ = State::Stopped;
}

}  // namespace sentinel
