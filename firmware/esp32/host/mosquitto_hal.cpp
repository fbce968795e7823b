#include "mosquitto_hal.h"

#include <chrono>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace sentinel::host {

uint64_t HostClock::millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

double HostClock::epoch_s() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count() / 1e6;
}

bool SyntheticSensors::read(SensorKind kind, double& value) {
  double t = static_cast<double>(reads_++ / 3 + phase_);
  double wave = std::sin(t / 10.0);
  switch (kind) {
    case SensorKind::Ultrasonic: value = 150.0 + 100.0 * wave; break;   // cm, 50..250
    case SensorKind::Temperature: value = 21.0 + 4.0 * wave; break;     // C
    case SensorKind::Humidity: value = 55.0 + 20.0 * wave; break;       // %
  }
  value = std::round(value * 10.0) / 10.0;  // the resolution of the real sensors
  return true;
}

void SyntheticSensors::beep(uint32_t) { ++beeps; }

bool SyntheticSensors::capture(std::vector<uint8_t>& jpeg) {
  if (frames_ && !frames_->empty()) {
    jpeg = (*frames_)[(phase_ + captures_++) % frames_->size()];
    return true;
  }
  // SOI, a comment segment, EOI: JPEG by its magic bytes only.
  jpeg = {0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x06, 'v', 'd', 'e', 'v', 0xFF, 0xD9};
  return true;
}

bool load_frames(const std::string& path, Frames& out, std::string& error) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      std::string ext = entry.path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
      if (entry.is_regular_file() && (ext == ".jpg" || ext == ".jpeg")) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
  } else {
    files.emplace_back(path);
  }
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) continue;
    if (bytes.size() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) {
      error = file.string() + " is not a JPEG";
      return false;
    }
    out.push_back(std::move(bytes));
  }
  if (out.empty()) error = "no JPEG found at " + path;
  return !out.empty();
}

std::string FileStorage::path(const std::string& key) const {
  return dir_ + "/" + prefix_ + "." + key;
}

bool FileStorage::load(const std::string& key, std::string& value) {
  if (dir_.empty()) {
    auto it = memory_.find(key);
    if (it == memory_.end()) return false;
    value = it->second;
    return true;
  }
  std::ifstream in(path(key));
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  value = buffer.str();
  return true;
}

bool FileStorage::save(const std::string& key, const std::string& value) {
  if (dir_.empty()) {
    memory_[key] = value;
    return true;
  }
  std::string tmp = path(key) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << value;
  }
  return std::rename(tmp.c_str(), path(key).c_str()) == 0;  // atomic, like an NVS commit
}

MosquittoMqtt::~MosquittoMqtt() {
  if (mosq_) mosquitto_destroy(mosq_);
}

bool MosquittoMqtt::connect(const MqttOptions& o) {
  if (mosq_) mosquitto_destroy(mosq_);  // a fresh client per attempt: the will may have changed
  connected_ = false;
  pending_.clear();
  mosq_ = mosquitto_new(o.client_id.c_str(), true, this);
  if (!mosq_) return false;
  mosquitto_connect_callback_set(mosq_, on_connect);
  mosquitto_disconnect_callback_set(mosq_, on_disconnect);
  mosquitto_publish_callback_set(mosq_, on_publish);
  mosquitto_message_callback_set(mosq_, on_message);
  // The default of 20 in-flight QoS 1 messages throttles a fast device; the broker allows more.
  mosquitto_int_option(mosq_, MOSQ_OPT_SEND_MAXIMUM, 100);
  if (!o.username.empty())
    mosquitto_username_pw_set(mosq_, o.username.c_str(), o.password.empty() ? nullptr : o.password.c_str());
  if (!o.will.topic.empty())
    mosquitto_will_set(mosq_, o.will.topic.c_str(), static_cast<int>(o.will.payload.size()),
                       o.will.payload.data(), o.will.qos, o.will.retain);
  return mosquitto_connect(mosq_, o.host.c_str(), o.port, o.keepalive_s) == MOSQ_ERR_SUCCESS;
}

void MosquittoMqtt::disconnect() {
  if (!mosq_) return;
  mosquitto_disconnect(mosq_);
  mosquitto_loop(mosq_, 0, 1);  // lets the DISCONNECT packet out
  connected_ = false;
}

void MosquittoMqtt::drop() {
  if (!mosq_) return;
  mosquitto_destroy(mosq_);  // closes the socket; no DISCONNECT is sent
  mosq_ = nullptr;
  lost();
}

bool MosquittoMqtt::publish(const std::string& topic, const std::string& payload, int qos,
                            bool retain) {
  if (!mosq_ || !connected_) return false;
  int mid = 0;
  int rc = mosquitto_publish(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                             payload.data(), qos, retain);
  if (rc != MOSQ_ERR_SUCCESS) return false;
  if (qos > 0) pending_.insert(mid);
  return true;
}

bool MosquittoMqtt::subscribe(const std::string& topic, int qos) {
  return mosq_ && mosquitto_subscribe(mosq_, nullptr, topic.c_str(), qos) == MOSQ_ERR_SUCCESS;
}

bool MosquittoMqtt::poll(MqttEvent& event) {
  if (events_.empty()) return false;
  event = std::move(events_.front());
  events_.pop_front();
  return true;
}

bool MosquittoMqtt::flush(uint32_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (mosq_ && connected_ && (!pending_.empty() || mosquitto_want_write(mosq_))) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    mosquitto_loop(mosq_, 10, 1);
  }
  return pending_.empty();
}

void MosquittoMqtt::service() {
  if (!mosq_) return;
  int rc = mosquitto_loop(mosq_, 0, 1);
  if (rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_ERRNO) lost();
}

void MosquittoMqtt::lost() {
  bool was = connected_;
  connected_ = false;
  if (was) events_.push_back({MqttEvent::Type::Disconnected, "", ""});
}

void MosquittoMqtt::on_connect(struct mosquitto*, void* self, int rc) {
  auto* me = static_cast<MosquittoMqtt*>(self);
  if (rc == 0) {
    me->connected_ = true;
    me->events_.push_back({MqttEvent::Type::Connected, "", ""});
  } else {
    me->connected_ = true;  // so lost() reports the refusal as a disconnect
    me->lost();
  }
}

void MosquittoMqtt::on_disconnect(struct mosquitto*, void* self, int) {
  static_cast<MosquittoMqtt*>(self)->lost();
}

void MosquittoMqtt::on_publish(struct mosquitto*, void* self, int mid) {
  static_cast<MosquittoMqtt*>(self)->pending_.erase(mid);
}

void MosquittoMqtt::on_message(struct mosquitto*, void* self, const struct mosquitto_message* m) {
  std::string payload(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen));
  static_cast<MosquittoMqtt*>(self)->events_.push_back(
      {MqttEvent::Type::Message, m->topic, std::move(payload)});
}

}  // namespace sentinel::host
