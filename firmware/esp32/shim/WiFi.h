// Shim of arduino-esp32's WiFi.h: declarations used by src/main.cpp only.
#pragma once
#include "Arduino.h"

typedef enum { WL_IDLE_STATUS = 0, WL_CONNECTED = 3, WL_DISCONNECTED = 6 } wl_status_t;
typedef enum { WIFI_STA = 1 } wifi_mode_t;

class WiFiClass {
 public:
  bool mode(wifi_mode_t mode);
  wl_status_t begin(const char* ssid, const char* passphrase);
  bool setAutoReconnect(bool autoReconnect);
  wl_status_t status();
  int8_t RSSI();
};
extern WiFiClass WiFi;
