// Header shim: only the Arduino-ESP32 declarations src/main.cpp uses, so CI can run
// `g++ -fsyntax-only -Ishim -Ilib/sentinel_core/src src/main.cpp` without the ESP32 toolchain.
// Declarations only; nothing here is linked or run.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#define INPUT 0x01
#define OUTPUT 0x03
#define HIGH 0x1
#define LOW 0x0

void pinMode(uint8_t pin, uint8_t mode);
void digitalWrite(uint8_t pin, uint8_t val);
unsigned long pulseIn(uint8_t pin, uint8_t state, unsigned long timeout);
void delay(uint32_t ms);
void delayMicroseconds(uint32_t us);
unsigned long millis();
uint32_t esp_random();
void tone(uint8_t pin, unsigned int frequency, unsigned long duration);
void configTime(long gmtOffset_sec, int daylightOffset_sec, const char* server1);

class String {
 public:
  String(const char* s = "");
  const char* c_str() const;
  unsigned int length() const;
};

class HardwareSerial {
 public:
  void begin(unsigned long baud);
  size_t printf(const char* format, ...);
};
extern HardwareSerial Serial;

class EspClass {
 public:
  [[noreturn]] void restart();
};
extern EspClass ESP;
