// Topics and payloads: the device's side of the MQTT contract (firmware/esp32/README.md,
// docs/contracts.md). Every payload a device publishes carries `boot` and `seq`: seq counts
// from 1 within one boot, so (device_id, boot, seq) names each message exactly once and the
// server counts loss from gaps. Only the last will, which the broker publishes, has no seq.
#pragma once

#include <cstdint>
#include <string>

#include "sentinel/hal.h"

namespace sentinel {

const char* sensor_kind_name(SensorKind kind);  // "ultrasonic", "temperature", "humidity"
const char* sensor_unit(SensorKind kind);       // "cm", "C", "%"

/// Topic names under one root for one device.
struct Topics {
  Topics(const std::string& root, const std::string& device_id);
  std::string sensor(SensorKind kind) const;  // {root}/sensors/{kind}/{id}
  std::string camera;                         // {root}/camera/{id}
  std::string command;                        // {root}/command/{id}
  std::string status;                         // {root}/status/{id}   retained
  std::string ack;                            // {root}/ack/{id}
  std::string config;                         // {root}/config/{id}   retained, written by the server

 private:
  std::string root_, id_;
};

/// Fields every sequenced message starts with.
struct Header {
  std::string device_id;
  std::string location;
  uint32_t boot = 0;
  uint64_t seq = 0;
  double timestamp = 0;  // epoch seconds; 0 (clock not set) is sent as null
};

std::string sensor_payload(const Header& h, SensorKind kind, double value);
std::string camera_payload(const Header& h, const std::string& trigger, int image_count,
                           const std::string& image, uint32_t image_bytes);
/// Retained status: state "online" (also the heartbeat) or "offline" (clean shutdown, reboot).
std::string status_payload(const Header& h, const std::string& state, const std::string& reason,
                           uint64_t uptime_ms, int rssi);
/// The will: set at connect time, published by the broker, so it has no boot/seq.
std::string will_payload(const std::string& device_id, const std::string& location);
std::string ack_payload(const Header& h, const std::string& command_id, const std::string& command,
                        bool ok, const std::string& detail);

}  // namespace sentinel
