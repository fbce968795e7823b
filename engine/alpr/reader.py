"""PlateReader: find, recognise and normalise plates in one image or in vehicle boxes of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.alpr.normalize import normalize
from engine.alpr.plate_finder import PlateCandidate, PlateFinder
from engine.alpr.recognizer import PlateRecognizer, TextRead, create_recognizer

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PlateRead:
    """One plate in one image: normalised and raw text, per-char probabilities, box, scores.

    `confidence` is the read's own (geometric mean of char probabilities); `score` multiplies it
    by the finder's and the format's scores and ranks candidates.
    """

    text: str
    raw: str
    char_probs: tuple[float, ...]
    confidence: float
    score: float
    region: str
    box: Box
    crop: np.ndarray
    quad: np.ndarray | None = None  # the plate's corners in source pixels (None: unknown)


@dataclass(frozen=True)
class PlateReaderSettings:
    region: str = "auto"
    min_score: float = 0.35  # below this a read is more likely other text than a plate
    min_chars: int = 4


class PlateReader:
    """Reads at most one plate per searched area (vehicle box or whole image)."""

    def __init__(
        self,
        finder: PlateFinder | None = None,
        recognizer: PlateRecognizer | None = None,
        settings: PlateReaderSettings | None = None,
    ) -> None:
        self.finder = finder or PlateFinder()
        self.recognizer = recognizer or create_recognizer()
        self.settings = settings or PlateReaderSettings()

    def read_image(self, image: np.ndarray) -> PlateRead | None:
        return self.read_boxes(image, [None])[0]

    def read_plate_crop(self, crop: np.ndarray) -> PlateRead | None:
        """Read an image known to be one plate (a plate detector's box): no finder, no gate."""
        h, w = crop.shape[:2]
        corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        candidate = self.finder.candidate(crop, corners, 1.0)
        return self._judge(candidate, self.recognizer.read([candidate.crop])[0], gate=False)

    def read_boxes(
        self,
        image: np.ndarray,
        boxes: Sequence[Box | None],
        hints: Sequence[np.ndarray | None] | None = None,
    ) -> list[PlateRead | None]:
        """Best plate per box (None searches the whole image); all crops in one recogniser batch.

        A hint is a plate quad (source pixels) expected in that box, e.g. carried over from the
        track's last good read: only a small window around it is searched (the cost).
        """
        hints = hints or [None] * len(boxes)
        per_box = [
            self.finder.find_near(image, hint) if hint is not None else self.finder.find(image, box)
            for box, hint in zip(boxes, hints, strict=True)
        ]
        flat = [c for candidates in per_box for c in candidates]
        reads = iter(self.recognizer.read([c.crop for c in flat]))
        results = []
        for candidates in per_box:
            scored = [self._judge(c, next(reads)) for c in candidates]
            best = max((r for r in scored if r is not None), key=lambda r: r.score, default=None)
            results.append(best)
        return results

    def _judge(
        self, candidate: PlateCandidate, read: TextRead, gate: bool = True
    ) -> PlateRead | None:
        s = self.settings
        fit = normalize(read.text, s.region, read.char_probs)
        if fit is None or len(fit.text) < s.min_chars:
            return None
        confidence = float(np.exp(np.mean(np.log(np.clip(fit.char_probs, 1e-6, 1.0)))))
        score = confidence * candidate.score * fit.score
        if gate and score < s.min_score:
            return None
        return PlateRead(
            text=fit.text,
            raw=read.text,
            char_probs=fit.char_probs,
            confidence=confidence,
            score=score,
            region=fit.region,
            box=candidate.xyxy,
            crop=candidate.crop,
            quad=candidate.quad,
        )
