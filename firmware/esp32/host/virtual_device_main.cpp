// sentinel-virtual-device: N bus-stop devices in one process, each the firmware's core with the
// libmosquitto HAL: same topics, payloads and state machine as the ESP32.
//
//   sentinel-virtual-device --count N --broker host:port --root R --duration S --rate HZ
//       [--qos Q] [--prefix vdev] [--first K] [--location L] [--heartbeat S] [--state-dir DIR]
//       [--credentials FILE] [--camera JPEG_OR_DIR] [--upload-url URL] [--upload-key KEY]
//       [--capture-interval S]
//
// Devices are {prefix}-{index:04}. --credentials names a file of "device_id password [key]"
// lines (what registering a device returned); a device listed there logs in as its device_id,
// the others connect anonymously (a broker with device credentials refuses them). The key, or
// else --upload-key, goes with its image uploads as x-api-key. --camera: the JPEG (or folder
// of JPEGs, shown in turn) a capture returns; --upload-url and --capture-interval are the
// config defaults upload_url and capture_interval_ms (a retained config may change them). --duration 0 runs until
// SIGTERM/SIGINT; either way each device then publishes its offline status and disconnects
// cleanly (SIGKILL leaves the will to the broker). The last stdout line is JSON: sent, errors,
// connects and per-device boot/last_seq.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_uploader.h"
#include "mosquitto_hal.h"
#include "sentinel/device.h"
#include "sentinel/json.h"

using namespace sentinel;

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Options {
  int count = 1;
  std::string host = "127.0.0.1";
  uint16_t port = 1883;
  std::string root = "smartstop";
  double duration_s = 10;
  double rate_hz = 1;
  int qos = 0;
  std::string prefix = "vdev";
  int first = 0;
  std::string location = "bus_stop_01";
  double heartbeat_s = 30;
  std::string state_dir;
  std::map<std::string, std::string> passwords;  // device_id -> password, from --credentials
  std::map<std::string, std::string> keys;       // device_id -> HTTP device key, likewise
  std::string upload_url;
  std::string upload_key;
  double capture_interval_s = 0;
  std::shared_ptr<const host::Frames> frames;
};

void read_credentials(const std::string& path, Options& o) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "sentinel-virtual-device: cannot read credentials %s\n", path.c_str());
    std::exit(2);
  }
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, password, key;
    if (!(fields >> id >> password)) continue;
    o.passwords[id] = password;
    if (fields >> key) o.keys[id] = key;
  }
}

std::shared_ptr<const host::Frames> read_frames(const std::string& path) {
  auto frames = std::make_shared<host::Frames>();
  std::string error;
  if (!host::load_frames(path, *frames, error)) {
    std::fprintf(stderr, "sentinel-virtual-device: --camera: %s\n", error.c_str());
    std::exit(2);
  }
  return frames;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "sentinel-virtual-device: %s\nusage: sentinel-virtual-device --count N "
               "--broker host:port --root R --duration S --rate HZ [--qos 0|1] [--prefix P] "
               "[--first K] [--location L] [--heartbeat S] [--state-dir DIR] [--credentials FILE] "
               "[--camera JPEG_OR_DIR] [--upload-url URL] [--upload-key KEY] [--capture-interval S]\n",
               why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + arg).c_str());
    std::string v = argv[++i];
    if (arg == "--count") o.count = std::atoi(v.c_str());
    else if (arg == "--broker") {
      auto colon = v.rfind(':');
      o.host = v.substr(0, colon);
      if (colon != std::string::npos) o.port = static_cast<uint16_t>(std::atoi(v.c_str() + colon + 1));
    } else if (arg == "--root") o.root = v;
    else if (arg == "--duration") o.duration_s = std::atof(v.c_str());
    else if (arg == "--rate") o.rate_hz = std::atof(v.c_str());
    else if (arg == "--qos") o.qos = std::atoi(v.c_str());
    else if (arg == "--prefix") o.prefix = v;
    else if (arg == "--first") o.first = std::atoi(v.c_str());
    else if (arg == "--location") o.location = v;
    else if (arg == "--heartbeat") o.heartbeat_s = std::atof(v.c_str());
    else if (arg == "--state-dir") o.state_dir = v;
    else if (arg == "--credentials") read_credentials(v, o);
    else if (arg == "--camera") o.frames = read_frames(v);
    else if (arg == "--upload-url") o.upload_url = v;
    else if (arg == "--upload-key") o.upload_key = v;
    else if (arg == "--capture-interval") o.capture_interval_s = std::atof(v.c_str());
    else usage(("unknown option " + arg).c_str());
  }
  if (o.count < 1) usage("--count must be at least 1");
  if (o.rate_hz <= 0 || o.rate_hz > 10) usage("--rate must be in (0, 10]");
  if (o.qos < 0 || o.qos > 1) usage("--qos must be 0 or 1");
  if (o.root.empty() || o.root.find_first_of("+#") != std::string::npos) usage("bad --root");
  if (o.capture_interval_s != 0 && (o.capture_interval_s < 1 || o.capture_interval_s > 86400))
    usage("--capture-interval must be 0 (on command only) or 1..86400");
  if (!o.upload_url.empty() && o.upload_url.rfind("http://", 0) != 0) usage("--upload-url must be http://");
  return o;
}

/// One device with its own HAL objects.
struct Instance {
  Instance(const Options& o, int index) : clock(static_cast<uint32_t>(index * 2654435761u)),
        sensors(static_cast<uint32_t>(index * 7), o.frames) {
    char id[96];
    std::snprintf(id, sizeof id, "%s-%04d", o.prefix.c_str(), index);
    identity.device_id = id;
    identity.root = o.root;
    identity.client_id = o.root + "/" + identity.device_id;
    auto credential = o.passwords.find(identity.device_id);
    if (credential != o.passwords.end()) {
      identity.username = identity.device_id;
      identity.password = credential->second;
    }
    auto key = o.keys.find(identity.device_id);
    uploader = std::make_unique<host::HttpUploader>(key != o.keys.end() ? key->second : o.upload_key);
    identity.broker_host = o.host;
    identity.broker_port = o.port;
    defaults.location = o.location;
    defaults.sensor_interval_ms = static_cast<uint32_t>(1000.0 / o.rate_hz);
    defaults.heartbeat_interval_ms = static_cast<uint32_t>(o.heartbeat_s * 1000.0);
    defaults.qos_sensors = o.qos;
    defaults.upload_url = o.upload_url;
    defaults.capture_interval_ms = static_cast<uint32_t>(o.capture_interval_s * 1000.0);
    storage = std::make_unique<host::FileStorage>(o.state_dir, o.root + "_" + identity.device_id);
    boot();
  }

  void boot() {
    mqtt = std::make_unique<host::MosquittoMqtt>();
    hal = std::make_unique<Hal>(Hal{clock, network, sensors, *mqtt, *uploader, *storage});
    if (device) {  // a reboot keeps what the last boot counted
      totals.sent += device->stats().sent;
      totals.errors += device->stats().errors;
      totals.connects += device->stats().connects;
    }
    device = std::make_unique<Device>(*hal, identity, defaults);
    device->begin();
  }

  DeviceStats stats() const {
    DeviceStats s = totals;
    s.sent += device->stats().sent;
    s.errors += device->stats().errors;
    s.connects += device->stats().connects;
    return s;
  }

  Identity identity;
  DeviceConfig defaults;
  host::HostClock clock;
  host::HostNetwork network;
  host::SyntheticSensors sensors;
  std::unique_ptr<host::HttpUploader> uploader;
  std::unique_ptr<host::FileStorage> storage;
  std::unique_ptr<host::MosquittoMqtt> mqtt;
  std::unique_ptr<Hal> hal;
  std::unique_ptr<Device> device;
  DeviceStats totals;
  std::vector<std::pair<uint32_t, uint64_t>> boots;  // (boot, last seq) of finished boots
};

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  mosquitto_lib_init();

  std::vector<std::unique_ptr<Instance>> devices;
  for (int i = 0; i < o.count; ++i) devices.push_back(std::make_unique<Instance>(o, o.first + i));

  host::HostClock clock(1);
  uint64_t end = clock.millis() + static_cast<uint64_t>(o.duration_s * 1000.0);
  std::vector<State> last(devices.size(), State::Booting);
  while (!g_stop && (o.duration_s <= 0 || clock.millis() < end)) {
    for (size_t i = 0; i < devices.size(); ++i) {
      Instance& d = *devices[i];
      d.mqtt->service();
      d.device->loop();
      if (d.device->state() != last[i]) {
        last[i] = d.device->state();
        std::fprintf(stderr, "%s %s\n", d.identity.device_id.c_str(), state_name(last[i]));
      }
      if (d.device->restart_requested()) {
        d.boots.emplace_back(d.device->boot(), d.device->last_seq());
        d.boot();
      }
    }
    // Short enough for 10 Hz readings; long enough not to spin a core.
    std::this_thread::sleep_for(std::chrono::milliseconds(devices.size() > 100 ? 1 : 2));
  }

  JsonWriter out;
  DeviceStats total;
  out.begin_object().key("devices");
  std::string list = "[";
  for (auto& d : devices) {
    d->device->shutdown();
    d->boots.emplace_back(d->device->boot(), d->device->last_seq());
    DeviceStats s = d->stats();
    total.sent += s.sent;
    total.errors += s.errors;
    total.connects += s.connects;
    for (auto& [boot, seq] : d->boots) {
      JsonWriter item;
      item.begin_object().key("device_id").value(d->identity.device_id).key("boot").value(boot)
          .key("last_seq").value(seq).end_object();
      list += (list.size() > 1 ? "," : "") + item.str();
    }
  }
  list += "]";
  out.raw(list).key("sent").value(total.sent).key("errors").value(total.errors)
      .key("connects").value(total.connects).end_object();
  std::printf("%s\n", out.str().c_str());
  std::fflush(stdout);
  devices.clear();
  mosquitto_lib_cleanup();
  return 0;
}
