#!/usr/bin/env bash
# Creates or reuses .venv and installs what the project needs (Debian packages where missing).
# Usage: scripts/setup.sh [extra]   extra: console (default) | dev | train | engine
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-console}"

need_debs=()
# Qt's xcb platform (a real desktop) and offscreen font rendering need these; the firmware's
# host build (virtual devices, its unit tests) needs cmake, g++ and libmosquitto, tests a broker;
# the RTSP tests' camera is GStreamer's RTSP server, run by the system python3 (python3-gi).
# bench/alpr.py and the plate recogniser's training draw plates with the Liberation, FreeFont and
# WenQuanYi fonts.
for pkg in libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
           libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core \
           cmake g++ libmosquitto-dev mosquitto mosquitto-clients \
           python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good \
           gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav \
           fonts-liberation2 fonts-freefont-ttf fonts-wqy-microhei; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_debs+=("$pkg")
done
if [ ${#need_debs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${need_debs[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_debs[@]}" >/dev/null
  else
    echo "setup: missing Debian packages (install them as root): ${need_debs[*]}" >&2
  fi
fi

py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$py" -m venv .venv
fi
stamp=".venv/.sentinel-$extra-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing sentinel[$extra] into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".[$extra]"
  touch "$stamp"
fi
