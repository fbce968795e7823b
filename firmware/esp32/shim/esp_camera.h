// Shim of esp32-camera's esp_camera.h: declarations used by src/main.cpp only.
#pragma once
#include <cstddef>
#include <cstdint>

typedef int esp_err_t;
#define ESP_OK 0

typedef struct {
  uint8_t* buf;
  size_t len;
} camera_fb_t;

camera_fb_t* esp_camera_fb_get();
void esp_camera_fb_return(camera_fb_t* fb);
