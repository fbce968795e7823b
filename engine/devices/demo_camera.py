"""What the demo's bus-stop cameras see: frames of a bundled street clip written as JPEGs, which
the virtual devices (`--camera DIR`) capture in turn and upload as an ESP32-CAM would."""

from __future__ import annotations

from pathlib import Path

import cv2

from engine.resources import resource_path

DEMO_CLIP = "traffic_street_fixedcam.mp4"
ESP32_CAM_WIDTH = 640  # VGA, the ESP32-CAM's usual upload size
JPEG_QUALITY = 80


def write_camera_frames(folder: Path, count: int = 8, clip: Path | None = None) -> Path:
    """`count` frames spread over `clip` (default: the bundled street clip) as
    `folder/frame_NN.jpg`, 640 px wide; returns `folder`. Frames already there are kept."""
    folder.mkdir(parents=True, exist_ok=True)
    if len(list(folder.glob("frame_*.jpg"))) >= count:
        return folder
    source = clip or resource_path("clips", DEMO_CLIP)
    capture = cv2.VideoCapture(str(source))
    try:
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or count
        written = 0
        for n in range(count):
            capture.set(cv2.CAP_PROP_POS_FRAMES, n * total // count)
            ok, frame = capture.read()
            if not ok:
                continue
            height, width = frame.shape[:2]
            size = (ESP32_CAM_WIDTH, round(height * ESP32_CAM_WIDTH / width))
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
            encoded, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if encoded:
                (folder / f"frame_{n:02d}.jpg").write_bytes(jpeg.tobytes())
                written += 1
    finally:
        capture.release()
    if written == 0:
        raise RuntimeError(f"no frame could be read from {source}")
    return folder
