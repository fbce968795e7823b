// Device identity (provisioned, fixed) and the remote config (defaults, merged from JSON).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sentinel {

/// Fixed at provisioning: who the device is and where its broker is.
struct Identity {
  std::string device_id;           // [A-Za-z0-9_-]{1,64}; used in topics and payloads
  std::string root = "smartstop";  // topic root
  std::string broker_host = "127.0.0.1";
  uint16_t broker_port = 1883;
  std::string username;
  std::string password;
  // MQTT client id; empty means device_id. Virtual devices sharing one broker across test runs
  // set it to root/device_id, since a broker drops the older of two clients with the same id.
  std::string client_id;
};

/// What the server may change at run time (retained config topic or SET_CONFIG).
struct DeviceConfig {
  std::string location = "unknown";
  uint32_t sensor_interval_ms = 5000;
  uint32_t heartbeat_interval_ms = 30000;
  uint32_t capture_interval_ms = 0;  // 0: capture on command only
  int qos_sensors = 0;               // seed 003 defaults: sensors 0, camera events 1
  int qos_camera = 1;
  uint32_t beep_ms = 200;
  std::string upload_url;            // empty: captures are announced without an image
};

/// Outcome of a merge: keys applied, and keys refused with why (unknown or wrong type/range).
struct MergeResult {
  std::vector<std::string> applied;
  std::vector<std::string> rejected;
  bool ok() const { return rejected.empty(); }
  std::string describe() const;
};

/// Applies the members of the JSON object `json` to `config`. Each key is checked on its own:
/// a bad key is rejected and the good ones still apply. Malformed JSON rejects everything
/// (rejected = {"<json: reason>"}) and leaves `config` untouched.
MergeResult merge_config(DeviceConfig& config, const std::string& json);

/// The whole config as one JSON object (persisted, and what merge_config reads back).
std::string config_to_json(const DeviceConfig& config);

bool valid_device_id(const std::string& id);

}  // namespace sentinel
