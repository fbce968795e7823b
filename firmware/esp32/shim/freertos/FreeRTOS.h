// Shim: FreeRTOS.h is included before semphr.h on the ESP32; the declarations live in semphr.h.
#pragma once
