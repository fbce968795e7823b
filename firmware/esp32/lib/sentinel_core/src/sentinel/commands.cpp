#include "sentinel/commands.h"

#include <cctype>
#include <cmath>

#include "sentinel/json.h"

namespace sentinel {

namespace {

std::string upper(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string trim(const std::string& text) {
  size_t a = text.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  size_t b = text.find_last_not_of(" \t\r\n");
  return text.substr(a, b - a + 1);
}

CommandType type_of(const std::string& name) {
  if (name == "BEEP") return CommandType::Beep;
  if (name == "CAPTURE") return CommandType::Capture;
  if (name == "REBOOT") return CommandType::Reboot;
  if (name == "SET_CONFIG") return CommandType::SetConfig;
  return CommandType::Invalid;
}

}  // namespace

const char* command_name(CommandType type) {
  switch (type) {
    case CommandType::Beep: return "BEEP";
    case CommandType::Capture: return "CAPTURE";
    case CommandType::Reboot: return "REBOOT";
    case CommandType::SetConfig: return "SET_CONFIG";
    case CommandType::Invalid: return "INVALID";
  }
  return "INVALID";
}

Command parse_command(const std::string& payload) {
  Command cmd;
  if (payload.size() > 4096) {
    cmd.error = "payload too large";
    return cmd;
  }
  std::string text = trim(payload);
  if (text.empty() || text[0] != '{') {  // seed 003 sends the bare word
    cmd.name = upper(text);
    cmd.type = type_of(cmd.name);
    if (cmd.type == CommandType::SetConfig) {
      cmd.type = CommandType::Invalid;
      cmd.error = "SET_CONFIG needs a JSON object with config";
    } else if (cmd.type == CommandType::Invalid) {
      cmd.error = "unknown command";
    }
    return cmd;
  }
  JsonObject object;
  std::string error;
  if (!parse_object(text, object, &error)) {
    cmd.error = "bad JSON: " + error;
    return cmd;
  }
  auto id = object.find("id");
  if (id != object.end()) {
    if (id->second.type != JsonValue::Type::String || id->second.text.size() > 64) {
      cmd.error = "id must be a string of at most 64 characters";
      return cmd;
    }
    cmd.id = id->second.text;
  }
  auto name = object.find("command");
  if (name == object.end() || name->second.type != JsonValue::Type::String) {
    cmd.error = "command must be a string";
    return cmd;
  }
  cmd.name = upper(name->second.text);
  CommandType type = type_of(cmd.name);
  if (type == CommandType::Invalid) {
    cmd.error = "unknown command";
    return cmd;
  }
  if (type == CommandType::Beep) {
    auto d = object.find("duration_ms");
    if (d != object.end()) {
      const JsonValue& v = d->second;
      if (v.type != JsonValue::Type::Number || v.number != std::floor(v.number) || v.number < 1 ||
          v.number > 10000) {
        cmd.error = "duration_ms must be an integer 1..10000";
        return cmd;
      }
      cmd.duration_ms = static_cast<uint32_t>(v.number);
    }
  }
  if (type == CommandType::SetConfig) {
    auto c = object.find("config");
    if (c == object.end() || c->second.type != JsonValue::Type::Object) {
      cmd.error = "config must be an object";
      return cmd;
    }
    cmd.config = c->second.text;
  }
  cmd.type = type;
  return cmd;
}

}  // namespace sentinel
