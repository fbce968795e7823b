// The firmware version, compiled in. Builds set it with -DSENTINEL_FW_VERSION="x.y.z"
// (platformio.ini's build_flags, host/CMakeLists.txt); this default keeps ad-hoc builds honest.
#pragma once

#ifndef SENTINEL_FW_VERSION
#define SENTINEL_FW_VERSION "0.0.0-dev"
#endif
