// Shim of arduino-esp32's Preferences.h (NVS): declarations used by src/main.cpp only.
#pragma once
#include "Arduino.h"

class Preferences {
 public:
  bool begin(const char* name, bool readOnly = false, const char* partition_label = nullptr);
  bool isKey(const char* key);
  String getString(const char* key, String defaultValue = String());
  size_t putString(const char* key, const char* value);
};
