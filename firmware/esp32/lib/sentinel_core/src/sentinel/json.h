// Minimal JSON for the firmware core: an emitter and a parser of one flat object.
// No external library: the same code must build for the ESP32 and on the host.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace sentinel {

/// Builds one JSON document into a string. Keys and values are appended in call order;
/// the caller is responsible for balanced begin/end calls.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& key(const std::string& name);
  JsonWriter& value(const std::string& text);
  JsonWriter& value(const char* text);
  JsonWriter& value(double number);  // NaN and infinities become null: JSON has no spelling for them
  JsonWriter& value(int64_t number);
  JsonWriter& value(uint64_t number);
  JsonWriter& value(int number) { return value(static_cast<int64_t>(number)); }
  JsonWriter& value(uint32_t number) { return value(static_cast<uint64_t>(number)); }
  JsonWriter& value(bool flag);
  JsonWriter& null();
  JsonWriter& raw(const std::string& json);  // an already-encoded value
  const std::string& str() const { return out_; }

 private:
  void separate();
  std::string out_;
  bool need_comma_ = false;
};

/// Appends `text` as a quoted, escaped JSON string.
void json_escape(const std::string& text, std::string& out);

/// One member value of a parsed object. Nested objects and arrays are kept as their raw text
/// (validated) so a caller can parse them again; commands carry one nested config object.
struct JsonValue {
  enum class Type { Null, Bool, Number, String, Object, Array };
  Type type = Type::Null;
  bool boolean = false;
  double number = 0.0;
  std::string text;  // String: decoded text; Object/Array: the raw JSON
};

using JsonObject = std::map<std::string, JsonValue>;

/// Parses `json`, which must be exactly one object (whitespace around it allowed), into `out`.
/// Returns false with a short reason in `error` on any syntax error, on nesting deeper than
/// `max_depth`, or on a duplicate key.
bool parse_object(const std::string& json, JsonObject& out, std::string* error = nullptr,
                  int max_depth = 8);

}  // namespace sentinel
