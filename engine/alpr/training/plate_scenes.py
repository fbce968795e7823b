"""From a flat plate to what the finder hands the recogniser: a plate on a background cut from
the bundled clips, seen in perspective at a small size, degraded (blur, noise, light, JPEG),
then cut and rectified the way PlateFinder does (a text-line quad, or the whole plate)."""

from __future__ import annotations

import random
from pathlib import Path

import cv2
import numpy as np

from engine.alpr.plate_finder import rectify
from engine.alpr.training.plate_render import FlatPlate

RECT_HEIGHT = 48  # PlateFinderSettings.rect_height
PAD_FRACTION = 0.12  # PlateFinderSettings.pad_fraction


def clip_frames(clips: list[Path], per_clip: int = 12) -> list[np.ndarray]:
    """Evenly spaced BGR frames of each clip (backgrounds; vehicles for the stand-in set)."""
    frames = []
    for clip in clips:
        cap = cv2.VideoCapture(str(clip))
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or 300
        for k in range(per_clip):
            cap.set(cv2.CAP_PROP_POS_FRAMES, int((k + 0.5) * count / per_clip))
            ok, frame = cap.read()
            if ok:
                frames.append(frame)
        cap.release()
    if not frames:
        raise FileNotFoundError(f"no frames could be read from {clips}")
    return frames


def background_patch(rng: random.Random, frames: list[np.ndarray], h: int, w: int) -> np.ndarray:
    frame = rng.choice(frames)
    fh, fw = frame.shape[:2]
    scale = rng.uniform(0.5, 2.0)
    ph, pw = min(fh, max(8, int(h / scale))), min(fw, max(8, int(w / scale)))
    y, x = rng.randint(0, fh - ph), rng.randint(0, fw - pw)
    return cv2.resize(frame[y : y + ph, x : x + pw], (w, h), interpolation=cv2.INTER_LINEAR)


def degrade(rng: random.Random, image: np.ndarray) -> np.ndarray:
    """Light, blur, sensor noise and JPEG, in the image's own resolution."""
    out = image.astype(np.float32)
    out = out * rng.uniform(0.45, 1.3) + rng.uniform(-40, 40)
    if rng.random() < 0.3:  # a shadow or glare band
        h, w = out.shape[:2]
        x = rng.randint(0, w)
        side = slice(0, x) if rng.random() < 0.5 else slice(x, w)
        out[:, side] *= rng.uniform(0.4, 1.5)
    out = np.clip(out, 0, 255).astype(np.uint8)
    r = rng.random()
    if r < 0.35:
        sigma = rng.uniform(0.3, 1.4)
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    elif r < 0.5:  # motion blur along x
        k = rng.randint(3, 6)
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1.0 / k
        out = cv2.filter2D(out, -1, kernel)
    if rng.random() < 0.6:
        noise = np.random.default_rng(rng.randrange(1 << 30)).normal(
            0, rng.uniform(2, 14), out.shape
        )
        out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.7:
        quality = rng.randint(15, 90)
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
        out = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return out


def perspective(rng: random.Random, w: float, h: float) -> np.ndarray:
    """Destination of the plate corners: a small rotation, shear and out-of-plane tilt."""
    angle = np.deg2rad(rng.uniform(-7, 7))
    c, s = np.cos(angle), np.sin(angle)
    pts = np.float32([[0, 0], [w, 0], [w, h], [0, h]]) - [w / 2, h / 2]
    pts = pts @ np.float32([[c, s], [-s, c]])
    pts[:, 0] += np.float32([rng.uniform(-1, 1) for _ in range(4)]) * 0.06 * w
    pts[:, 1] += np.float32([rng.uniform(-1, 1) for _ in range(4)]) * 0.08 * h
    return pts


def scene_crop(rng: random.Random, plate: FlatPlate, frames: list[np.ndarray]) -> np.ndarray:
    """One recogniser input (BGR) showing the plate's registration, as the finder would cut it."""
    # Squeezed or widened: condensed and wide plate fonts beyond the ones drawn.
    stretch = rng.uniform(0.7, 1.15)
    image = cv2.resize(plate.image, None, fx=stretch, fy=1.0, interpolation=cv2.INTER_AREA)
    ph, pw = image.shape[:2]
    dst = perspective(rng, pw, ph)
    # Final size: registration characters 9-60 px tall in the source image.
    x1, y1, x2, y2 = plate.text_box
    x1, x2 = x1 * stretch, x2 * stretch
    text_h = max(y2 - y1, 1)
    scale = rng.uniform(9, 60) / text_h
    dst = dst * scale
    margin = 0.18 * max(pw, ph) * scale + 4
    dst += [margin + pw * scale / 2, margin + ph * scale / 2]
    cw, ch = int(2 * margin + pw * scale), int(2 * margin + ph * scale)
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    canvas = background_patch(rng, frames, ch, cw)
    bgr = np.ascontiguousarray(image[:, :, ::-1])
    warped = cv2.warpPerspective(bgr, matrix, (cw, ch), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, (cw, ch))
    canvas = np.where(mask[:, :, None] > 127, warped, canvas)
    canvas = degrade(rng, canvas)
    # The quad to cut, in plate coordinates: mostly the registration line, sometimes the plate.
    if rng.random() < 0.3:
        m = rng.uniform(-0.02, 0.06)
        quad = np.float32(
            [
                [-m * pw, -m * ph],
                [pw * (1 + m), -m * ph],
                [pw * (1 + m), ph * (1 + m)],
                [-m * pw, ph * (1 + m)],
            ]
        )
    else:
        up, down = rng.uniform(-0.05, 0.3) * text_h, rng.uniform(-0.05, 0.3) * text_h
        side_l, side_r = rng.uniform(-0.1, 0.5) * text_h, rng.uniform(-0.1, 0.5) * text_h
        quad = np.float32(
            [
                [x1 - side_l, y1 - up],
                [x2 + side_r, y1 - up],
                [x2 + side_r, y2 + down],
                [x1 - side_l, y2 + down],
            ]
        )
    quad += np.float32([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)]) * 0.06 * text_h
    quad = cv2.perspectiveTransform(quad[None], matrix)[0]
    return rectify(canvas, quad, RECT_HEIGHT, PAD_FRACTION)


def negative_crop(rng: random.Random, frames: list[np.ndarray]) -> np.ndarray:
    """A plate-shaped cut of a clip frame with no plate in it (label: nothing)."""
    h = rng.randint(12, 60)
    patch = background_patch(rng, frames, h, int(h * rng.uniform(2, 6)))
    corners = np.float32([[0, 0], [patch.shape[1], 0], [patch.shape[1], h], [0, h]])
    return rectify(degrade(rng, patch), corners, RECT_HEIGHT, PAD_FRACTION)


def real_crop(rng: random.Random, crop: np.ndarray) -> np.ndarray:
    """A real plate crop, jittered (the whole-crop quad moved a little) and degraded."""
    h, w = crop.shape[:2]
    jitter = np.float32([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)])
    quad = np.float32([[0, 0], [w, 0], [w, h], [0, h]]) + jitter * [0.04 * w, 0.1 * h]
    scale = rng.uniform(0.6, 1.6)
    small = cv2.resize(crop, (max(8, int(w * scale)), max(8, int(h * scale))))
    if rng.random() < 0.7:
        small = degrade(rng, small)
    return rectify(small, quad * scale, RECT_HEIGHT, PAD_FRACTION)
