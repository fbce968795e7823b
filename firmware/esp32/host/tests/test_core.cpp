// Unit tests of the firmware core (no broker, no hardware): JSON, config merge, payloads,
// command parsing, backoff and the device state machine against a scripted fake HAL.
// Prints "N passed, M failed"; exits 1 when anything failed.
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sentinel/backoff.h"
#include "sentinel/commands.h"
#include "sentinel/config.h"
#include "sentinel/device.h"
#include "sentinel/json.h"
#include "sentinel/messages.h"
#include "sentinel/upload.h"
#include "sentinel/version.h"

using namespace sentinel;

namespace {

int g_passed = 0, g_failed = 0;
bool g_current_failed = false;

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::printf("  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);           \
      g_current_failed = true;                                                \
    }                                                                         \
  } while (0)

std::vector<std::pair<const char*, std::function<void()>>>& registry() {
  static std::vector<std::pair<const char*, std::function<void()>>> tests;
  return tests;
}

struct Register {
  Register(const char* name, std::function<void()> fn) { registry().emplace_back(name, fn); }
};

#define TEST(name)                                 \
  void name();                                     \
  Register register_##name(#name, name);           \
  void name()

JsonObject parsed(const std::string& json) {
  JsonObject object;
  std::string error;
  if (!parse_object(json, object, &error)) std::printf("  (parse error: %s in %s)\n", error.c_str(), json.c_str());
  return object;
}

// ---- fake HAL --------------------------------------------------------------------------

struct Published {
  std::string topic, payload;
  int qos;
  bool retain;
};

struct FakeHal : Clock, Network, Sensors, Mqtt, Uploader, Storage {
  uint64_t now = 1000;
  double epoch = 1700000000.0;
  bool network_up = true;
  bool accept_connect = true;
  int connects = 0, beeps = 0, flushes = 0, disconnects = 0;
  MqttOptions last_options;
  std::vector<Published> published;
  std::vector<std::pair<std::string, int>> subscriptions;
  std::vector<MqttEvent> inbox;
  std::map<std::string, std::string> store;
  bool upload_ok = true;

  uint64_t millis() override { return now; }
  double epoch_s() override { return epoch; }
  uint32_t random() override { return 0; }
  bool up() override { return network_up; }
  int rssi() override { return -61; }
  bool read(SensorKind kind, double& value) override {
    value = kind == SensorKind::Ultrasonic ? 125.5 : kind == SensorKind::Temperature ? 21.5 : 40.0;
    return true;
  }
  void beep(uint32_t) override { ++beeps; }
  bool capture(std::vector<uint8_t>& jpeg) override {
    jpeg.assign(100, 0xFF);
    return true;
  }
  bool connect(const MqttOptions& options) override {
    ++connects;
    last_options = options;
    return accept_connect;
  }
  void disconnect() override { ++disconnects; }
  bool publish(const std::string& topic, const std::string& payload, int qos, bool retain) override {
    published.push_back({topic, payload, qos, retain});
    return true;
  }
  bool subscribe(const std::string& topic, int qos) override {
    subscriptions.emplace_back(topic, qos);
    return true;
  }
  bool poll(MqttEvent& event) override {
    if (inbox.empty()) return false;
    event = inbox.front();
    inbox.erase(inbox.begin());
    return true;
  }
  bool flush(uint32_t) override {
    ++flushes;
    return true;
  }
  bool upload(const std::string&, const std::string&, const std::string&,
              const std::vector<uint8_t>&, std::string& filename) override {
    filename = "20240101_000000_capture.jpg";
    return upload_ok;
  }
  bool load(const std::string& key, std::string& value) override {
    auto it = store.find(key);
    if (it == store.end()) return false;
    value = it->second;
    return true;
  }
  bool save(const std::string& key, const std::string& value) override {
    store[key] = value;
    return true;
  }
  Hal hal() { return Hal{*this, *this, *this, *this, *this, *this}; }

  std::vector<Published> on(const std::string& topic) const {
    std::vector<Published> out;
    for (auto& p : published)
      if (p.topic == topic) out.push_back(p);
    return out;
  }
};

Identity identity() {
  Identity id;
  id.device_id = "esp32_001";
  id.root = "city/a";
  return id;
}

/// A device that has booted and connected.
struct Online {
  FakeHal fake;
  Hal hal = fake.hal();
  Device device{hal, identity(), DeviceConfig{}};
  Online() {
    device.begin();
    device.loop();  // Booting -> Connecting
    fake.inbox.push_back({MqttEvent::Type::Connected, "", ""});
    device.loop();  // -> Online, status + first readings
  }
  void command(const std::string& payload) {
    fake.inbox.push_back({MqttEvent::Type::Message, "city/a/command/esp32_001", payload});
    device.loop();
  }
};

// ---- JSON --------------------------------------------------------------------------------

TEST(json_writer_escapes_and_formats) {
  JsonWriter w;
  w.begin_object().key("s").value("a\"b\\c\n\x01").key("n").value(1.5).key("i").value(int64_t{-3})
      .key("b").value(true).key("z").value(std::nan("")).key("o").begin_object().end_object()
      .end_object();
  CHECK(w.str() == "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":1.5,\"i\":-3,\"b\":true,\"z\":null,\"o\":{}}");
}

TEST(json_round_trip_through_parser) {
  JsonWriter w;
  w.begin_object().key("text").value("h\xc3\xa9llo \"x\"").key("v").value(125.5).end_object();
  JsonObject o = parsed(w.str());
  CHECK(o["text"].type == JsonValue::Type::String && o["text"].text == "h\xc3\xa9llo \"x\"");
  CHECK(o["v"].type == JsonValue::Type::Number && o["v"].number == 125.5);
}

TEST(json_parser_reads_all_value_types) {
  JsonObject o = parsed(R"( {"a":null,"b":false,"c":-1.25e2,"d":"\u00e9\ud83d\ude00","e":{"x":[1,{"y":2}]},"f":[]} )");
  CHECK(o.size() == 6);
  CHECK(o["a"].type == JsonValue::Type::Null);
  CHECK(o["b"].type == JsonValue::Type::Bool && !o["b"].boolean);
  CHECK(o["c"].number == -125.0);
  CHECK(o["d"].text == "\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(o["e"].type == JsonValue::Type::Object && o["e"].text == R"({"x":[1,{"y":2}]})");
  CHECK(o["f"].type == JsonValue::Type::Array && o["f"].text == "[]");
}

TEST(json_parser_rejects_malformed_input) {
  const char* bad[] = {"", "[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":01}",
                       "{\"a\":1} x", "{\"a\":\"\\q\"}", "{\"a\":\"\\ud800\"}", "{a:1}",
                       "{\"a\":tru}", "{\"a\":1,\"a\":2}", "{\"a\":\"x\ny\"}", "{\"a\":1e999}",
                       "{\"a\":[1,]}", "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{}}}}}}}}}"};
  for (const char* text : bad) {
    JsonObject o;
    std::string error;
    bool ok = parse_object(text, o, &error);
    if (ok) std::printf("  accepted: %s\n", text);
    CHECK(!ok && !error.empty() && o.empty());
  }
}

// ---- config --------------------------------------------------------------------------------

TEST(config_merge_applies_good_keys_and_rejects_bad_ones) {
  DeviceConfig c;
  MergeResult r = merge_config(c, R"({"location":"stop_9","sensor_interval_ms":250,"qos_sensors":2,"beep_ms":"loud","colour":"red","id":"push-1"})");
  CHECK(c.location == "stop_9");
  CHECK(c.sensor_interval_ms == 250);
  CHECK(c.qos_sensors == 0 && c.beep_ms == 200);  // untouched defaults
  CHECK(r.applied.size() == 2);
  CHECK(r.rejected.size() == 3);
  CHECK(!r.ok() && r.describe().find("qos_sensors") != std::string::npos);
}

TEST(config_merge_of_malformed_json_changes_nothing) {
  DeviceConfig c;
  MergeResult r = merge_config(c, "{\"location\":\"x\"");
  CHECK(c.location == "unknown");
  CHECK(r.applied.empty() && r.rejected.size() == 1);
}

TEST(config_range_checks) {
  struct Case { const char* json; bool ok; } cases[] = {
      {R"({"sensor_interval_ms":99})", false}, {R"({"sensor_interval_ms":100})", true},
      {R"({"sensor_interval_ms":1.5})", false}, {R"({"heartbeat_interval_ms":999})", false},
      {R"({"capture_interval_ms":0})", true}, {R"({"capture_interval_ms":500})", false},
      {R"({"qos_camera":1})", true}, {R"({"location":""})", false}, {R"({"upload_url":7})", false},
  };
  for (auto& k : cases) {
    DeviceConfig c;
    bool ok = merge_config(c, k.json).ok();
    if (ok != k.ok) std::printf("  case %s\n", k.json);
    CHECK(ok == k.ok);
  }
}

TEST(config_json_round_trips) {
  DeviceConfig a;
  a.location = "stop \"7\"";
  a.sensor_interval_ms = 1234;
  a.upload_url = "http://10.0.0.2:8000/api/upload";
  DeviceConfig b;
  CHECK(merge_config(b, config_to_json(a)).ok());
  CHECK(b.location == a.location && b.sensor_interval_ms == 1234 && b.upload_url == a.upload_url);
}

TEST(device_ids_are_checked) {
  CHECK(valid_device_id("esp32_001") && valid_device_id("vdev-0001"));
  CHECK(!valid_device_id("") && !valid_device_id("a/b") && !valid_device_id("a+") &&
        !valid_device_id(std::string(65, 'a')));
}

// ---- payloads and topics ------------------------------------------------------------------

TEST(topics_follow_the_seed_under_a_configurable_root) {
  Topics t("smartstop", "esp32_001");
  CHECK(t.sensor(SensorKind::Ultrasonic) == "smartstop/sensors/ultrasonic/esp32_001");
  CHECK(t.sensor(SensorKind::Humidity) == "smartstop/sensors/humidity/esp32_001");
  CHECK(t.camera == "smartstop/camera/esp32_001");
  CHECK(t.command == "smartstop/command/esp32_001");
  CHECK(t.status == "smartstop/status/esp32_001");
  CHECK(t.ack == "smartstop/ack/esp32_001");
  CHECK(Topics("city/a", "x").config == "city/a/config/x");
}

TEST(sensor_payload_carries_header_value_and_unit) {
  Header h{"esp32_001", "bus_stop_01", 3, 42, 1634567890.5};
  JsonObject o = parsed(sensor_payload(h, SensorKind::Ultrasonic, 125.5));
  CHECK(o["device_id"].text == "esp32_001" && o["location"].text == "bus_stop_01");
  CHECK(o["boot"].number == 3 && o["seq"].number == 42);
  CHECK(o["timestamp"].number == 1634567890.5);
  CHECK(o["value"].number == 125.5 && o["unit"].text == "cm");
  h.timestamp = 0;
  CHECK(parsed(sensor_payload(h, SensorKind::Humidity, 40))["timestamp"].type == JsonValue::Type::Null);
}

TEST(status_will_and_ack_payloads) {
  Header h{"d", "l", 1, 7, 1.0};
  JsonObject s = parsed(status_payload(h, "online", "heartbeat", 61500, -70));
  CHECK(s["state"].text == "online" && s["uptime_s"].number == 61.5 && s["rssi"].number == -70);
  CHECK(s["firmware"].text == SENTINEL_FW_VERSION);
  JsonObject w = parsed(will_payload("d", "l"));
  CHECK(w["state"].text == "offline" && w.count("seq") == 0);
  JsonObject a = parsed(ack_payload(h, "c-1", "BEEP", true, ""));
  CHECK(a["command_id"].text == "c-1" && a["ok"].boolean && a["seq"].number == 7);
  JsonObject c = parsed(camera_payload(h, "command", 1, "", 12));
  CHECK(c["event_type"].text == "capture" && c["image"].type == JsonValue::Type::Null &&
        c["image_bytes"].number == 12);
}

// ---- commands ------------------------------------------------------------------------------

TEST(command_parsing_table) {
  struct Case { const char* payload; CommandType type; const char* id; } cases[] = {
      {"BEEP", CommandType::Beep, ""},
      {" beep\n", CommandType::Beep, ""},
      {"CAPTURE", CommandType::Capture, ""},
      {"REBOOT", CommandType::Reboot, ""},
      {"SET_CONFIG", CommandType::Invalid, ""},
      {"DANCE", CommandType::Invalid, ""},
      {R"({"id":"c1","command":"beep","duration_ms":50})", CommandType::Beep, "c1"},
      {R"({"id":"c2","command":"SET_CONFIG","config":{"location":"x"}})", CommandType::SetConfig, "c2"},
      {R"({"id":"c3","command":"SET_CONFIG","config":"x"})", CommandType::Invalid, "c3"},
      {R"({"id":"c4","command":"BEEP","duration_ms":0})", CommandType::Invalid, "c4"},
      {R"({"id":5,"command":"BEEP"})", CommandType::Invalid, ""},
      {R"({"id":"c6"})", CommandType::Invalid, "c6"},
      {R"({"id":"c7","command":"BEEP")", CommandType::Invalid, ""},
  };
  for (auto& k : cases) {
    Command c = parse_command(k.payload);
    if (c.type != k.type || c.id != k.id) std::printf("  case %s -> %s\n", k.payload, command_name(c.type));
    CHECK(c.type == k.type && c.id == k.id);
    CHECK((c.type == CommandType::Invalid) == !c.error.empty());
  }
  Command c = parse_command(R"({"command":"SET_CONFIG","config":{"location":"x"}})");
  CHECK(c.config == R"({"location":"x"})");
  CHECK(parse_command(std::string(5000, ' ') + "BEEP").type == CommandType::Invalid);
}

// ---- backoff -------------------------------------------------------------------------------

TEST(backoff_grows_caps_jitters_and_resets) {
  Backoff b(500, 8000);
  CHECK(b.next(0) == 250);             // d=500: [250, 500]
  CHECK(b.next(0xFFFFFFFFu) <= 1000);  // d=1000
  CHECK(b.next(0) == 1000);            // d=2000
  CHECK(b.next(0) == 2000);            // d=4000
  CHECK(b.next(0) == 4000);            // d=8000 (cap)
  for (int i = 0; i < 40; ++i) {
    uint32_t d = b.next(static_cast<uint32_t>(i * 2654435761u));
    CHECK(d >= 4000 && d <= 8000);
  }
  b.reset();
  CHECK(b.next(0) == 250);
}

// ---- device state machine ------------------------------------------------------------------

TEST(device_connects_with_will_subscribes_and_goes_online) {
  Online d;
  CHECK(d.device.state() == State::Online);
  CHECK(d.fake.last_options.client_id == "esp32_001");
  CHECK(d.fake.last_options.will.topic == "city/a/status/esp32_001" && d.fake.last_options.will.retain);
  CHECK(parsed(d.fake.last_options.will.payload)["state"].text == "offline");
  CHECK(d.fake.subscriptions.size() == 2 && d.fake.subscriptions[0].second == 1);
  auto status = d.fake.on("city/a/status/esp32_001");
  CHECK(status.size() == 1 && status[0].retain && status[0].qos == 1);
  CHECK(parsed(status[0].payload)["seq"].number == 1);
  CHECK(d.fake.on("city/a/sensors/ultrasonic/esp32_001").size() == 1);
  CHECK(d.fake.on("city/a/sensors/temperature/esp32_001")[0].qos == 0);
}

TEST(every_message_has_the_next_seq_and_the_boot) {
  Online d;
  for (int i = 0; i < 6; ++i) {
    d.fake.now += 5000;
    d.device.loop();
  }
  uint64_t expected = 1;
  for (auto& p : d.fake.published) {
    JsonObject o = parsed(p.payload);
    CHECK(o["seq"].number == static_cast<double>(expected++));
    CHECK(o["boot"].number == 1);
  }
  CHECK(d.device.stats().sent == d.fake.published.size());
  CHECK(d.fake.published.size() == 1 + 7 * 3 + 1);  // status, 7 sensor rounds, 1 heartbeat
}

TEST(boot_counter_survives_restarts_and_restarts_seq) {
  FakeHal fake;
  Hal hal = fake.hal();
  { Device a(hal, identity(), DeviceConfig{}); a.begin(); CHECK(a.boot() == 1); }
  Device b(hal, identity(), DeviceConfig{});
  b.begin();
  CHECK(b.boot() == 2 && b.last_seq() == 0);
}

TEST(beep_and_capture_commands_are_acknowledged) {
  Online d;
  d.command(R"({"id":"c1","command":"BEEP"})");
  d.command("CAPTURE");
  auto acks = d.fake.on("city/a/ack/esp32_001");
  CHECK(d.fake.beeps == 1 && acks.size() == 2);
  JsonObject a0 = parsed(acks[0].payload), a1 = parsed(acks[1].payload);
  CHECK(a0["command_id"].text == "c1" && a0["command"].text == "BEEP" && a0["ok"].boolean);
  CHECK(a1["command"].text == "CAPTURE" && a1["ok"].boolean && acks[1].qos == 1);
  auto camera = d.fake.on("city/a/camera/esp32_001");
  CHECK(camera.size() == 1 && camera[0].qos == 1 && parsed(camera[0].payload)["trigger"].text == "command");
}

TEST(capture_uploads_when_an_upload_url_is_set) {
  Online d;
  d.command(R"({"id":"s","command":"SET_CONFIG","config":{"upload_url":"http://server/api/upload"}})");
  d.command("CAPTURE");
  auto camera = d.fake.on("city/a/camera/esp32_001");
  CHECK(camera.size() == 1 && parsed(camera[0].payload)["image"].text == "20240101_000000_capture.jpg");
  d.fake.upload_ok = false;
  d.command("CAPTURE");
  CHECK(parsed(d.fake.on("city/a/camera/esp32_001")[1].payload)["image"].type == JsonValue::Type::Null);
  CHECK(d.device.stats().errors == 1);
}

TEST(periodic_capture_takes_a_first_picture_when_switched_on_then_keeps_its_interval) {
  Online d;
  CHECK(d.fake.on("city/a/camera/esp32_001").empty());  // off by default: no pictures
  d.command(R"({"id":"s","command":"SET_CONFIG","config":{"capture_interval_ms":30000}})");
  d.device.loop();
  CHECK(d.fake.on("city/a/camera/esp32_001").size() == 1);  // at once, not 30 s later
  d.fake.now += 29000;
  d.device.loop();
  CHECK(d.fake.on("city/a/camera/esp32_001").size() == 1);
  d.fake.now += 1000;
  d.device.loop();
  auto camera = d.fake.on("city/a/camera/esp32_001");
  CHECK(camera.size() == 2 && parsed(camera[1].payload)["trigger"].text == "interval");
}

TEST(upload_form_is_seed_003s_multipart_and_2xx_answers_name_the_file) {
  std::vector<uint8_t> jpeg = {0xFF, 0xD8, 0x00, '\r', '\n', 0xFF, 0xD9};
  UploadForm form = upload_form("esp32_001", "Harbour Road", jpeg);
  std::string boundary = form.content_type.substr(form.content_type.find("boundary=") + 9);
  CHECK(form.content_type.rfind("multipart/form-data; boundary=", 0) == 0 && !boundary.empty());
  CHECK(form.body.find("name=\"device_id\"\r\n\r\nesp32_001\r\n") != std::string::npos);
  CHECK(form.body.find("name=\"location\"\r\n\r\nHarbour Road\r\n") != std::string::npos);
  std::string image_head = "name=\"image\"; filename=\"capture.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n";
  size_t at = form.body.find(image_head);
  CHECK(at != std::string::npos &&
        form.body.compare(at + image_head.size(), jpeg.size(), std::string(jpeg.begin(), jpeg.end())) == 0);
  CHECK(form.body.size() >= 8 + boundary.size() &&
        form.body.compare(form.body.size() - boundary.size() - 6, std::string::npos, "--" + boundary + "--\r\n") == 0);
  std::string filename = "stale";
  CHECK(upload_accepted(201, R"({"filename":"0123abcd.jpg","metadata":{"bytes":7}})", filename) &&
        filename == "0123abcd.jpg");
  CHECK(upload_accepted(200, "not json", filename) && filename.empty());
  CHECK(!upload_accepted(401, R"({"filename":"x.jpg"})", filename) && filename.empty());
  CHECK(!upload_accepted(415, "", filename));
}

TEST(invalid_commands_get_a_negative_ack_and_count_as_errors) {
  Online d;
  d.command(R"({"id":"x","command":"DANCE"})");
  d.command("{not json");
  auto acks = d.fake.on("city/a/ack/esp32_001");
  CHECK(acks.size() == 2 && !parsed(acks[0].payload)["ok"].boolean);
  CHECK(parsed(acks[0].payload)["detail"].text == "unknown command");
  CHECK(d.device.stats().errors == 2 && d.device.state() == State::Online);
}

TEST(set_config_changes_the_cadence_at_once_and_is_saved) {
  Online d;
  size_t before = d.fake.on("city/a/sensors/humidity/esp32_001").size();
  d.command(R"({"id":"c9","command":"SET_CONFIG","config":{"sensor_interval_ms":1000,"location":"stop_b"}})");
  auto ack = parsed(d.fake.on("city/a/ack/esp32_001").back().payload);
  CHECK(ack["command"].text == "SET_CONFIG" && ack["command_id"].text == "c9" && ack["ok"].boolean);
  for (int i = 0; i < 5; ++i) {
    d.fake.now += 1000;
    d.device.loop();
  }
  auto humidity = d.fake.on("city/a/sensors/humidity/esp32_001");
  CHECK(humidity.size() == before + 5);
  CHECK(parsed(humidity.back().payload)["location"].text == "stop_b");
  CHECK(d.fake.store["config"].find("stop_b") != std::string::npos);
}

TEST(retained_config_is_applied_and_acknowledged) {
  Online d;
  d.fake.inbox.push_back({MqttEvent::Type::Message, "city/a/config/esp32_001",
                          R"({"id":"push-3","heartbeat_interval_ms":2000,"qos_sensors":7})"});
  d.device.loop();
  CHECK(d.device.config().heartbeat_interval_ms == 2000);
  auto ack = parsed(d.fake.on("city/a/ack/esp32_001").back().payload);
  CHECK(ack["command"].text == "CONFIG" && ack["command_id"].text == "push-3" && !ack["ok"].boolean);
  CHECK(ack["detail"].text.find("qos_sensors") != std::string::npos);
}

TEST(reboot_acks_announces_offline_and_requests_a_restart) {
  Online d;
  d.command("REBOOT");
  CHECK(d.device.restart_requested());
  auto status = d.fake.on("city/a/status/esp32_001");
  CHECK(parsed(status.back().payload)["reason"].text == "reboot");
  CHECK(d.fake.flushes == 1 && d.fake.disconnects == 1);
  size_t count = d.fake.published.size();
  d.fake.now += 10000;
  d.device.loop();
  CHECK(d.fake.published.size() == count);  // a rebooting device publishes nothing more
}

TEST(lost_connection_backs_off_then_reconnects) {
  Online d;
  d.fake.inbox.push_back({MqttEvent::Type::Disconnected, "", ""});
  d.device.loop();
  CHECK(d.device.state() == State::Backoff);
  d.fake.now += 100;  // random()=0: the first delay is 250 ms
  d.device.loop();
  CHECK(d.fake.connects == 1);
  d.fake.now += 200;
  d.device.loop();
  CHECK(d.fake.connects == 2 && d.device.state() == State::Connecting);
  d.fake.inbox.push_back({MqttEvent::Type::Connected, "", ""});
  d.device.loop();
  CHECK(d.device.state() == State::Online && d.device.stats().connects == 2);
}

TEST(refused_connect_and_connect_timeout_back_off) {
  FakeHal fake;
  Hal hal = fake.hal();
  Device device(hal, identity(), DeviceConfig{});
  device.begin();
  fake.network_up = false;
  device.loop();
  CHECK(device.state() == State::Booting && fake.connects == 0);
  fake.network_up = true;
  fake.accept_connect = false;
  device.loop();
  CHECK(device.state() == State::Backoff && device.stats().errors == 1);
  fake.accept_connect = true;
  fake.now += 250;
  device.loop();
  CHECK(device.state() == State::Connecting);
  fake.now += 10000;  // no CONNACK
  device.loop();
  CHECK(device.state() == State::Backoff && fake.disconnects == 1);
}

TEST(shutdown_publishes_offline_and_flushes) {
  Online d;
  d.device.shutdown();
  auto last = d.fake.published.back();
  CHECK(last.retain && parsed(last.payload)["state"].text == "offline");
  CHECK(d.fake.flushes == 1 && d.device.state() == State::Stopped);
}

}  // namespace

int main() {
  for (auto& [name, fn] : registry()) {
    g_current_failed = false;
    fn();
    std::printf("%s %s\n", g_current_failed ? "FAIL" : "ok  ", name);
    (g_current_failed ? g_failed : g_passed)++;
  }
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed ? 1 : 0;
}
