// Shim of the FreeRTOS mutex calls src/main.cpp uses (arduino-esp32 ships FreeRTOS).
#pragma once
#include <cstdint>

typedef void* SemaphoreHandle_t;
typedef uint32_t TickType_t;
#define portMAX_DELAY 0xffffffffUL
SemaphoreHandle_t xSemaphoreCreateMutex();
int xSemaphoreTake(SemaphoreHandle_t mutex, TickType_t ticks);
int xSemaphoreGive(SemaphoreHandle_t mutex);
