// Shim of arduino-esp32's HTTPClient.h: declarations used by src/main.cpp only.
#pragma once
#include "Arduino.h"

#define HTTP_CODE_OK 200

class HTTPClient {
 public:
  bool begin(const String& url);
  void addHeader(const String& name, const String& value);
  void setTimeout(uint16_t timeout);
  int POST(uint8_t* payload, size_t size);
  String getString();
  void end();
};
