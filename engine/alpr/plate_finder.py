"""Plate finder: text regions shaped like plates in a vehicle crop (or a whole still image),
merged when one plate's characters come out as two boxes, rectified by a perspective warp.

Scoring favours what a plate looks like from a road camera: a text line of plate-like aspect,
plausibly sized for the crop, in the lower part of the vehicle, and the tallest text nearby
(the registration is the biggest text on a plate; state names and dealer frames are smaller).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from engine.alpr.text_detector import TextBox, TextDetector, order_quad


@dataclass(frozen=True)
class PlateFinderSettings:
    min_aspect: float = 1.5
    max_aspect: float = 6.0
    min_text_height: float = 8.0  # px in the source: below this no recogniser reads anything
    max_width_fraction: float = 0.8  # of a vehicle crop's width
    rect_height: int = 48  # rectified crops are warped to this height
    pad_fraction: float = 0.12  # of the text height, left and right, so end glyphs are whole
    max_candidates: int = 3
    context: float = 0.05  # vehicle boxes are grown by this fraction: trackers clip bumpers
    whole_image_score: float = 0.6  # prior for a still image that may be the plate itself
    # Cost on video: in a vehicle box only the lower part can hold the plate, and the text
    # detector needs far less than full resolution to find a plate-sized line there.
    search_from: float = 0.4  # top fraction of a vehicle box that is never searched
    max_search_side: int = 320  # the searched area's long side is downscaled to at most this
    min_vehicle_width: int = 64  # px: a plate on a smaller vehicle is too small to read


@dataclass(frozen=True)
class PlateCandidate:
    """A plate-like text region: quad in source pixels, rectified BGR crop, finder score."""

    quad: np.ndarray
    crop: np.ndarray
    score: float

    @property
    def xyxy(self) -> tuple[float, float, float, float]:
        x, y = self.quad[:, 0], self.quad[:, 1]
        return float(x.min()), float(y.min()), float(x.max()), float(y.max())


def _merge_pair(a: TextBox, b: TextBox) -> TextBox | None:
    """Join two boxes of one text line (similar height, aligned, small gap), else None."""
    (_, ha), (_, hb) = a.size, b.size
    if min(ha, hb) / max(ha, hb) < 0.7:
        return None
    ca, cb = a.quad.mean(axis=0), b.quad.mean(axis=0)
    height = max(ha, hb)
    if abs(ca[1] - cb[1]) > 0.4 * height:
        return None
    left, right = (a, b) if ca[0] < cb[0] else (b, a)
    gap = right.xyxy[0] - left.xyxy[2]
    if gap > 0.8 * height or gap < -0.5 * height:
        return None
    rect = cv2.minAreaRect(np.concatenate([a.quad, b.quad]).astype(np.float32))
    quad = order_quad(cv2.boxPoints(rect).astype(np.float32))
    return TextBox(quad, min(a.score, b.score))


def merge_split_lines(boxes: list[TextBox]) -> list[TextBox]:
    """The boxes plus every merge of two boxes that look like halves of one line."""
    merged = [
        m
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if (m := _merge_pair(a, b)) is not None
    ]
    return boxes + merged


def rectify(image: np.ndarray, quad: np.ndarray, height: int, pad_fraction: float) -> np.ndarray:
    """Warp a text quad to a fixed height, padded left and right by a fraction of its height."""
    width = float(np.linalg.norm(quad[1] - quad[0]))
    text_h = max(float(np.linalg.norm(quad[3] - quad[0])), 1.0)
    out_w = max(height, int(round(width * height / text_h)))
    pad = int(round(pad_fraction * height))
    dst = np.float32([[pad, 0], [pad + out_w, 0], [pad + out_w, height], [pad, height]])
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    return cv2.warpPerspective(
        image,
        matrix,
        (out_w + 2 * pad, height),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )


class PlateFinder:
    """Finds plate candidates; `find(image, box)` searches the box (a vehicle) or the image."""

    def __init__(
        self, detector: TextDetector | None = None, settings: PlateFinderSettings | None = None
    ) -> None:
        self.detector = detector or TextDetector()
        self.settings = settings or PlateFinderSettings()

    def find(
        self, image: np.ndarray, box: tuple[float, float, float, float] | None = None
    ) -> list[PlateCandidate]:
        s = self.settings
        ih, iw = image.shape[:2]
        if box is None:
            x1, y1, x2, y2 = 0, 0, iw, ih
            top = 0
        else:
            bw, bh = box[2] - box[0], box[3] - box[1]
            if bw < s.min_vehicle_width:
                return []
            x1 = int(max(0, box[0] - s.context * bw))
            top = int(max(0, box[1] - s.context * bh))
            x2 = int(min(iw, box[2] + s.context * bw))
            y2 = int(min(ih, box[3] + s.context * bh))
            y1 = int(top + s.search_from * (y2 - top))
        if x2 - x1 < 16 or y2 - y1 < 8:
            return []
        boxes = merge_split_lines(self._detect(image[y1:y2, x1:x2], box is not None))
        # Scored against the whole (grown) vehicle box, so "low on the vehicle" keeps its meaning.
        frame_shape = (y2 - top, x2 - x1)
        offset = np.float32([0, y1 - top])
        tallest = max((b.size[1] for b in boxes), default=0.0)
        scored = []
        for text in boxes:
            shifted = TextBox(text.quad + offset, text.score)
            score = self._score(shifted, frame_shape, box is not None, tallest)
            if score > 0:
                scored.append((score, text))
        scored.sort(key=lambda item: -item[0])
        candidates = [
            self.candidate(image, text.quad + np.float32([x1, y1]), score)
            for score, text in scored[: s.max_candidates]
        ]
        if box is None and s.min_aspect <= iw / ih <= s.max_aspect:
            # A plate-shaped still image may be a plate crop whose text the detector misses.
            corners = np.float32([[0, 0], [iw, 0], [iw, ih], [0, ih]])
            candidates.append(self.candidate(image, corners, s.whole_image_score))
        return candidates

    def find_near(self, image: np.ndarray, quad: np.ndarray) -> list[PlateCandidate]:
        """Candidates around a plate quad expected from an earlier frame: the text detector runs
        only on a small window around it, a fraction of a vehicle search's cost."""
        s = self.settings
        ih, iw = image.shape[:2]
        x, y = quad[:, 0], quad[:, 1]
        grow_x, grow_y = 0.25 * float(x.max() - x.min()), 0.6 * float(y.max() - y.min())
        x1, y1 = int(max(0, x.min() - grow_x)), int(max(0, y.min() - grow_y))
        x2, y2 = int(min(iw, x.max() + grow_x)), int(min(ih, y.max() + grow_y))
        if x2 - x1 < 16 or y2 - y1 < 8:
            return []
        boxes = merge_split_lines(self._detect(image[y1:y2, x1:x2], True))
        tallest = max((b.size[1] for b in boxes), default=0.0)
        scored = sorted(
            ((self._score(b, (y2 - y1, x2 - x1), False, tallest), b) for b in boxes),
            key=lambda item: -item[0],
        )
        return [
            self.candidate(image, b.quad + np.float32([x1, y1]), score)
            for score, b in scored[: s.max_candidates]
            if score > 0
        ]

    def _detect(self, area: np.ndarray, in_vehicle: bool) -> list[TextBox]:
        """Text boxes in area pixels; a vehicle's area is detected downscaled (the cost)."""
        h, w = area.shape[:2]
        scale = self.settings.max_search_side / max(h, w)
        if not in_vehicle or scale >= 1.0:
            return self.detector.detect(area)
        # Multiples of 32 so the detector's own resize is a no-op.
        nw = max(32, int(w * scale) // 32 * 32)
        nh = max(32, int(h * scale) // 32 * 32)
        small = cv2.resize(area, (nw, nh), interpolation=cv2.INTER_AREA)
        factor = np.float32([w / nw, h / nh])
        return [TextBox(b.quad * factor, b.score) for b in self.detector.detect(small)]

    def candidate(self, image: np.ndarray, quad: np.ndarray, score: float) -> PlateCandidate:
        """A candidate from a known plate quad (source pixels), rectified like found ones."""
        s = self.settings
        return PlateCandidate(quad, rectify(image, quad, s.rect_height, s.pad_fraction), score)

    def _score(
        self, text: TextBox, shape: tuple[int, ...], in_vehicle: bool, tallest: float
    ) -> float:
        s = self.settings
        width, height = text.size
        if height < s.min_text_height or width < height * s.min_aspect:
            return 0.0
        aspect = width / height
        if aspect > s.max_aspect:
            return 0.0
        # In a vehicle a plate never spans the crop; a still image may be the plate itself.
        if in_vehicle and width > s.max_width_fraction * shape[1]:
            return 0.0
        score = text.score
        # Plate registrations are 2.5-5 times as wide as tall once unclipped; fade outside.
        score *= 1.0 if 2.0 <= aspect <= 5.0 else 0.7
        score *= 0.6 + 0.4 * height / max(tallest, 1e-6)
        if in_vehicle:
            centre_y = float(text.quad[:, 1].mean()) / shape[0]
            # Plates sit low on a vehicle: full weight in the lower 60%, less near the roof.
            score *= 1.0 if centre_y >= 0.4 else 0.5 + centre_y
            # A plate is 8-60% of a vehicle's width from any usual viewpoint.
            fraction = width / shape[1]
            score *= 1.0 if 0.08 <= fraction <= 0.6 else 0.5
        return float(score)
