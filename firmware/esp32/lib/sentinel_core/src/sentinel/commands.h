// Commands the server sends on {root}/command/{id}: a JSON object
// {"id": "...", "command": "BEEP|CAPTURE|REBOOT|SET_CONFIG", ...} or, as in seed 003, the bare
// word ("BEEP"). Names are case-insensitive.
#pragma once

#include <cstdint>
#include <string>

namespace sentinel {

enum class CommandType { Beep, Capture, Reboot, SetConfig, Invalid };

struct Command {
  CommandType type = CommandType::Invalid;
  std::string id;          // echoed in the ack; empty when the sender gave none
  std::string name;        // upper-case name as received ("" when unreadable)
  uint32_t duration_ms = 0;  // BEEP: 0 means the configured beep_ms
  std::string config;      // SET_CONFIG: the raw JSON object to merge
  std::string error;       // Invalid: why
};

Command parse_command(const std::string& payload);
const char* command_name(CommandType type);

}  // namespace sentinel
