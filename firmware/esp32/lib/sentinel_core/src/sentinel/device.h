// The bus-stop node's state machine. Call begin() once, then loop() often (it never blocks);
// everything it needs comes through the HAL, so the same code runs on the ESP32 and on the host.
//
//   Booting --network up--> Connecting --Connected--> Online
//      ^                        |  (refused/timeout)     | Disconnected
//      |                        v                        v
//      +---------------------- Backoff <-----------------+
//   Online --REBOOT--> Rebooting (adapter restarts)    shutdown() --> Stopped
#pragma once

#include <cstdint>
#include <string>

#include "sentinel/backoff.h"
#include "sentinel/commands.h"
#include "sentinel/config.h"
#include "sentinel/hal.h"
#include "sentinel/messages.h"

namespace sentinel {

enum class State { Booting, Connecting, Online, Backoff, Rebooting, Stopped };
const char* state_name(State state);

/// Counters a virtual device reports (and the ESP32 logs).
struct DeviceStats {
  uint64_t sent = 0;      // messages published with a seq
  uint64_t errors = 0;    // connect, publish, upload and parse failures
  uint64_t connects = 0;  // successful connections
  uint64_t commands = 0;
};

class Device {
 public:
  Device(Hal& hal, Identity identity, DeviceConfig defaults);
  void begin();     // loads the boot counter and saved config; counts this boot
  void loop();      // one step of the state machine
  void shutdown(uint32_t flush_timeout_ms = 3000);  // offline status, flush, clean disconnect

  State state() const { return state_; }
  const DeviceConfig& config() const { return config_; }
  const DeviceStats& stats() const { return stats_; }
  uint32_t boot() const { return boot_; }
  uint64_t last_seq() const { return seq_; }
  const Topics& topics() const { return topics_; }
  bool restart_requested() const { return state_ == State::Rebooting; }

 private:
  Header next_header();
  bool publish(const std::string& topic, const std::string& payload, int qos, bool retain);
  void start_connect();
  void enter_backoff();
  void on_connected();
  void on_message(const std::string& topic, const std::string& payload);
  void handle_command(const Command& cmd);
  void apply_config(const std::string& json, const std::string& id, const char* source);
  void publish_sensors();
  void publish_status(const char* state, const char* reason);
  bool capture(const char* trigger, std::string& detail);

  Hal& hal_;
  Identity identity_;
  DeviceConfig config_;
  Topics topics_;
  Backoff backoff_;
  State state_ = State::Booting;
  DeviceStats stats_;
  uint32_t boot_ = 0;
  uint64_t seq_ = 0;
  uint64_t started_ms_ = 0;
  uint64_t retry_at_ = 0;
  uint64_t connect_deadline_ = 0;
  uint64_t next_sensors_ = 0;
  uint64_t next_heartbeat_ = 0;
  uint64_t next_capture_ = 0;
};

}  // namespace sentinel
