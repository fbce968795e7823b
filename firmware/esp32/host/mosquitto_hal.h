// The HAL on a Linux host: libmosquitto for MQTT, files for storage, synthetic sensors and a
// camera that shows JPEG files (http_uploader.h sends its captures).
// Single-threaded by design: service() drives the MQTT client from the caller's loop, so one
// process can run many devices without a thread each.
#pragma once

#include <mosquitto.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "sentinel/hal.h"

namespace sentinel::host {

class HostClock : public Clock {
 public:
  explicit HostClock(uint32_t seed) : rng_(seed) {}
  uint64_t millis() override;
  double epoch_s() override;
  uint32_t random() override { return rng_(); }

 private:
  std::mt19937 rng_;
};

class HostNetwork : public Network {
 public:
  bool up() override { return true; }
  int rssi() override { return -55; }
};

/// JPEG files the virtual camera shows, in order.
using Frames = std::vector<std::vector<uint8_t>>;

/// `path`: one JPEG file, or a folder whose *.jpg/*.jpeg files are read in name order. False
/// with the reason in `error` when nothing readable that starts like a JPEG is there.
bool load_frames(const std::string& path, Frames& out, std::string& error);

/// Deterministic readings (a slow wave per kind), a beep counter and a camera: each capture is
/// the next of `frames` (starting at `phase`, so devices sharing them show different ones), or
/// without frames a 12-byte JPEG stub that no image decoder accepts.
class SyntheticSensors : public Sensors {
 public:
  explicit SyntheticSensors(uint32_t phase, std::shared_ptr<const Frames> frames = nullptr)
      : phase_(phase), frames_(std::move(frames)) {}
  bool read(SensorKind kind, double& value) override;
  void beep(uint32_t duration_ms) override;
  bool capture(std::vector<uint8_t>& jpeg) override;
  uint32_t beeps = 0;

 private:
  uint32_t phase_;
  uint64_t reads_ = 0;
  uint64_t captures_ = 0;
  std::shared_ptr<const Frames> frames_;
};

/// One file per key in `dir` (empty dir: memory only, nothing survives the process).
class FileStorage : public Storage {
 public:
  FileStorage(std::string dir, std::string prefix) : dir_(std::move(dir)), prefix_(std::move(prefix)) {}
  bool load(const std::string& key, std::string& value) override;
  bool save(const std::string& key, const std::string& value) override;

 private:
  std::string path(const std::string& key) const;
  std::string dir_, prefix_;
  std::map<std::string, std::string> memory_;
};

class MosquittoMqtt : public Mqtt {
 public:
  MosquittoMqtt() = default;
  ~MosquittoMqtt() override;
  MosquittoMqtt(const MosquittoMqtt&) = delete;
  MosquittoMqtt& operator=(const MosquittoMqtt&) = delete;

  bool connect(const MqttOptions& options) override;
  void disconnect() override;
  bool publish(const std::string& topic, const std::string& payload, int qos, bool retain) override;
  bool subscribe(const std::string& topic, int qos) override;
  bool poll(MqttEvent& event) override;
  bool flush(uint32_t timeout_ms) override;

  void service();  // network I/O without blocking; call every loop round
  /// Closes the socket without DISCONNECT, as a crash or power loss would: the broker then
  /// publishes the will. (Used by tests of the state machine's reconnect path.)
  void drop();

 private:
  static void on_connect(struct mosquitto*, void* self, int rc);
  static void on_disconnect(struct mosquitto*, void* self, int rc);
  static void on_publish(struct mosquitto*, void* self, int mid);
  static void on_message(struct mosquitto*, void* self, const struct mosquitto_message* message);
  void lost();

  struct mosquitto* mosq_ = nullptr;
  bool connected_ = false;
  std::deque<MqttEvent> events_;
  std::set<int> pending_;  // QoS 1 message ids not yet acknowledged
};

}  // namespace sentinel::host
