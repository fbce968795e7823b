// The hardware abstraction layer: everything the core needs from the world. The ESP32 adapter
// (src/main.cpp) implements it with WiFi, esp-mqtt, HTTPClient and NVS; the host build with
// libmosquitto and files. The core never blocks on any of these calls.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sentinel {

enum class SensorKind { Ultrasonic, Temperature, Humidity };

/// Monotonic time, wall time and randomness.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual uint64_t millis() = 0;  // monotonic since boot
  virtual double epoch_s() = 0;   // UTC seconds since 1970; 0 while the clock is not set (no NTP)
  virtual uint32_t random() = 0;  // for backoff jitter
};

/// The link below MQTT (WiFi on the ESP32).
class Network {
 public:
  virtual ~Network() = default;
  virtual bool up() = 0;
  virtual int rssi() = 0;  // dBm
};

/// Sensors and actuators of the bus stop.
class Sensors {
 public:
  virtual ~Sensors() = default;
  virtual bool read(SensorKind kind, double& value) = 0;  // false: no reading this time
  virtual void beep(uint32_t duration_ms) = 0;
  virtual bool capture(std::vector<uint8_t>& jpeg) = 0;
};

struct MqttWill {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retain = true;
};

struct MqttOptions {
  std::string host;
  uint16_t port = 1883;
  std::string client_id;
  std::string username;  // empty: anonymous
  std::string password;
  uint16_t keepalive_s = 15;
  MqttWill will;
};

/// What the MQTT client reports; polled by the core from its own loop, so adapters whose
/// client runs callbacks on another task queue them.
struct MqttEvent {
  enum class Type { Connected, Disconnected, Message };
  Type type = Type::Disconnected;
  std::string topic;
  std::string payload;
};

class Mqtt {
 public:
  virtual ~Mqtt() = default;
  virtual bool connect(const MqttOptions& options) = 0;  // starts connecting; Connected follows
  virtual void disconnect() = 0;                         // clean: the broker sends no will
  virtual bool publish(const std::string& topic, const std::string& payload, int qos,
                       bool retain) = 0;
  virtual bool subscribe(const std::string& topic, int qos) = 0;
  virtual bool poll(MqttEvent& event) = 0;          // false when nothing is pending
  virtual bool flush(uint32_t timeout_ms) = 0;      // waits for outstanding QoS 1 acks
};

/// HTTP upload of a captured JPEG (seed 003: POST /api/upload, multipart image/device_id/location).
class Uploader {
 public:
  virtual ~Uploader() = default;
  virtual bool upload(const std::string& url, const std::string& device_id,
                      const std::string& location, const std::vector<uint8_t>& jpeg,
                      std::string& filename) = 0;
};

/// Small persistent key/value store (NVS on the ESP32): boot counter and applied config.
class Storage {
 public:
  virtual ~Storage() = default;
  virtual bool load(const std::string& key, std::string& value) = 0;
  virtual bool save(const std::string& key, const std::string& value) = 0;
};

struct Hal {
  Clock& clock;
  Network& network;
  Sensors& sensors;
  Mqtt& mqtt;
  Uploader& uploader;
  Storage& storage;
};

}  // namespace sentinel
