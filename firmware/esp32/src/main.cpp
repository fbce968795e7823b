// ESP32 adapter: the HAL on real hardware (WiFi, esp-mqtt, HTTPClient, NVS, HC-SR04, DHT22,
// esp32-camera, a buzzer) and the Arduino setup()/loop() that drive the core. Kept thin: all
// behaviour lives in lib/sentinel_core. Build settings and secrets come from platformio.ini.
#include <Arduino.h>
#include <DHT.h>
#include <HTTPClient.h>
#include <Preferences.h>
#include <WiFi.h>
#include <esp_camera.h>
#include <freertos/FreeRTOS.h>
#include <freertos/semphr.h>
#include <mqtt_client.h>

#include <cmath>
#include <ctime>
#include <deque>
#include <string>

#include "sentinel/device.h"
#include "sentinel/upload.h"
#include "sentinel/version.h"

#ifndef WIFI_SSID
#define WIFI_SSID ""
#endif
#ifndef WIFI_PASSWORD
#define WIFI_PASSWORD ""
#endif
#ifndef DEVICE_ID
#define DEVICE_ID "esp32_001"
#endif
#ifndef TOPIC_ROOT
#define TOPIC_ROOT "smartstop"
#endif
#ifndef MQTT_HOST
#define MQTT_HOST "192.168.1.10"
#endif
#ifndef MQTT_PORT
#define MQTT_PORT 1883
#endif
#ifndef MQTT_USERNAME
#define MQTT_USERNAME ""
#endif
#ifndef MQTT_PASSWORD
#define MQTT_PASSWORD ""
#endif
#ifndef HTTP_KEY
#define HTTP_KEY ""  // the device key its registration issued, for image uploads
#endif
#ifndef PIN_TRIG
#define PIN_TRIG 12
#endif
#ifndef PIN_ECHO
#define PIN_ECHO 14
#endif
#ifndef PIN_DHT
#define PIN_DHT 15
#endif
#ifndef PIN_BUZZER
#define PIN_BUZZER 2
#endif

using namespace sentinel;

namespace {

class EspClock : public Clock {
 public:
  uint64_t millis() override { return ::millis(); }  // wraps after 49 days; fine for deltas of a boot
  double epoch_s() override {
    time_t now = time(nullptr);
    return now > 1600000000 ? static_cast<double>(now) : 0.0;  // before NTP: not set
  }
  uint32_t random() override { return esp_random(); }
};

class EspNetwork : public Network {
 public:
  bool up() override { return WiFi.status() == WL_CONNECTED; }
  int rssi() override { return WiFi.RSSI(); }
};

class BusStopSensors : public Sensors {
 public:
  BusStopSensors() : dht_(PIN_DHT, DHT22) {}
  void begin() {
    pinMode(PIN_TRIG, OUTPUT);
    pinMode(PIN_ECHO, INPUT);
    pinMode(PIN_BUZZER, OUTPUT);
    dht_.begin();
  }
  bool read(SensorKind kind, double& value) override {
    if (kind == SensorKind::Ultrasonic) {
      digitalWrite(PIN_TRIG, LOW);
      delayMicroseconds(2);
      digitalWrite(PIN_TRIG, HIGH);
      delayMicroseconds(10);
      digitalWrite(PIN_TRIG, LOW);
      unsigned long echo_us = pulseIn(PIN_ECHO, HIGH, 30000);  // 30 ms: about 5 m
      if (echo_us == 0) return false;
      value = std::round(echo_us * 0.0343 / 2.0 * 10.0) / 10.0;
      return true;
    }
    float v = kind == SensorKind::Temperature ? dht_.readTemperature() : dht_.readHumidity();
    if (std::isnan(v)) return false;
    value = std::round(v * 10.0) / 10.0;
    return true;
  }
  void beep(uint32_t duration_ms) override { tone(PIN_BUZZER, 2000, duration_ms); }
  bool capture(std::vector<uint8_t>& jpeg) override {
    camera_fb_t* fb = esp_camera_fb_get();
    if (!fb) return false;
    jpeg.assign(fb->buf, fb->buf + fb->len);
    esp_camera_fb_return(fb);
    return true;
  }

 private:
  DHT dht_;
};

/// Seed 003's upload: POST multipart/form-data with image, device_id and location, the device
/// key (HTTP_KEY, from its registration) as x-api-key.
class HttpUploader : public Uploader {
 public:
  bool upload(const std::string& url, const std::string& device_id, const std::string& location,
              const std::vector<uint8_t>& jpeg, std::string& filename) override {
    UploadForm form = upload_form(device_id, location, jpeg);
    HTTPClient http;
    if (!http.begin(String(url.c_str()))) return false;
    http.setTimeout(10000);
    http.addHeader("Content-Type", String(form.content_type.c_str()));
    if (std::string(HTTP_KEY).size() > 0) http.addHeader("x-api-key", String(HTTP_KEY));
    int code = http.POST(reinterpret_cast<uint8_t*>(&form.body[0]), form.body.size());
    std::string response = http.getString().c_str();
    http.end();
    return upload_accepted(code, response, filename);  // the engine answers 201 Created
  }
};

class NvsStorage : public Storage {
 public:
  void begin() { prefs_.begin("sentinel"); }
  bool load(const std::string& key, std::string& value) override {
    if (!prefs_.isKey(key.c_str())) return false;
    value = prefs_.getString(key.c_str()).c_str();
    return true;
  }
  bool save(const std::string& key, const std::string& value) override {
    return prefs_.putString(key.c_str(), value.c_str()) == value.size();
  }

 private:
  Preferences prefs_;
};

/// esp-mqtt runs its own task; its events are queued here and polled by the core's loop.
class EspMqtt : public Mqtt {
 public:
  EspMqtt() : lock_(xSemaphoreCreateMutex()) {}

  bool connect(const MqttOptions& o) override {
    stop();
    options_ = o;  // esp-mqtt keeps the pointers: the strings must outlive the client
    uri_ = "mqtt://" + o.host + ":" + std::to_string(o.port);
    esp_mqtt_client_config_t config = {};
    config.uri = uri_.c_str();
    config.client_id = options_.client_id.c_str();
    config.username = options_.username.empty() ? nullptr : options_.username.c_str();
    config.password = options_.password.empty() ? nullptr : options_.password.c_str();
    config.lwt_topic = options_.will.topic.c_str();
    config.lwt_msg = options_.will.payload.c_str();
    config.lwt_msg_len = static_cast<int>(options_.will.payload.size());
    config.lwt_qos = options_.will.qos;
    config.lwt_retain = options_.will.retain ? 1 : 0;
    config.keepalive = options_.keepalive_s;
    config.disable_auto_reconnect = true;  // the core's backoff with jitter decides when
    config.buffer_size = 4096;
    client_ = esp_mqtt_client_init(&config);
    if (!client_) return false;
    esp_mqtt_client_register_event(client_, MQTT_EVENT_ANY, &EspMqtt::on_event, this);
    return esp_mqtt_client_start(client_) == ESP_OK;
  }
  void disconnect() override { stop(); }
  bool publish(const std::string& topic, const std::string& payload, int qos, bool retain) override {
    return client_ && esp_mqtt_client_publish(client_, topic.c_str(), payload.data(),
                                              static_cast<int>(payload.size()), qos, retain) >= 0;
  }
  bool subscribe(const std::string& topic, int qos) override {
    return client_ && esp_mqtt_client_subscribe(client_, topic.c_str(), qos) >= 0;
  }
  bool poll(MqttEvent& event) override {
    xSemaphoreTake(lock_, portMAX_DELAY);
    bool any = !events_.empty();
    if (any) {
      event = events_.front();
      events_.pop_front();
    }
    xSemaphoreGive(lock_);
    return any;
  }
  bool flush(uint32_t timeout_ms) override {
    unsigned long start = ::millis();
    while (client_ && esp_mqtt_client_get_outbox_size(client_) > 0) {
      if (::millis() - start > timeout_ms) return false;
      delay(10);
    }
    return true;
  }

 private:
  void stop() {
    if (!client_) return;
    esp_mqtt_client_disconnect(client_);
    esp_mqtt_client_stop(client_);
    esp_mqtt_client_destroy(client_);
    client_ = nullptr;
  }
  void push(MqttEvent event) {
    xSemaphoreTake(lock_, portMAX_DELAY);
    if (events_.size() < 32) events_.push_back(std::move(event));  // bounded: RAM is small
    xSemaphoreGive(lock_);
  }
  static void on_event(void* self, esp_event_base_t, int32_t, void* data) {
    auto* me = static_cast<EspMqtt*>(self);
    auto* e = static_cast<esp_mqtt_event_handle_t>(data);
    switch (e->event_id) {
      case MQTT_EVENT_CONNECTED: me->push({MqttEvent::Type::Connected, "", ""}); break;
      case MQTT_EVENT_DISCONNECTED: me->push({MqttEvent::Type::Disconnected, "", ""}); break;
      case MQTT_EVENT_DATA:
        // With buffer_size 4096 a command or config arrives whole; longer ones are refused.
        if (e->current_data_offset == 0 && e->data_len == e->total_data_len)
          me->push({MqttEvent::Type::Message, std::string(e->topic, e->topic_len),
                    std::string(e->data, e->data_len)});
        break;
      default: break;
    }
  }

  SemaphoreHandle_t lock_;
  esp_mqtt_client_handle_t client_ = nullptr;
  MqttOptions options_;
  std::string uri_;
  std::deque<MqttEvent> events_;
};

EspClock g_clock;
EspNetwork g_network;
BusStopSensors g_sensors;
HttpUploader g_uploader;
NvsStorage g_storage;
EspMqtt g_mqtt;
Hal g_hal{g_clock, g_network, g_sensors, g_mqtt, g_uploader, g_storage};
Device* g_device = nullptr;

Identity make_identity() {
  Identity id;
  id.device_id = DEVICE_ID;
  id.root = TOPIC_ROOT;
  id.broker_host = MQTT_HOST;
  id.broker_port = MQTT_PORT;
  id.username = MQTT_USERNAME;
  id.password = MQTT_PASSWORD;
  return id;
}

}  // namespace

void setup() {
  Serial.begin(115200);
  g_sensors.begin();
  g_storage.begin();
  WiFi.mode(WIFI_STA);
  WiFi.setAutoReconnect(true);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
  configTime(0, 0, "pool.ntp.org");
  static Device device(g_hal, make_identity(), DeviceConfig{});
  g_device = &device;
  g_device->begin();
  Serial.printf("sentinel %s: device %s boot %u\n", SENTINEL_FW_VERSION, DEVICE_ID,
                static_cast<unsigned>(g_device->boot()));
}

void loop() {
  g_device->loop();
  if (g_device->restart_requested()) ESP.restart();
  delay(5);
}
