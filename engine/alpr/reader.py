"""PlateReader: find, recognise and normalise plates in one image or in vehicle boxes of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from engine.alpr.normalize import normalize
from engine.alpr.onnx_models import PLATE_RECOGNIZER_MODEL, bundled_model
from engine.alpr.plate_finder import PlateCandidate, PlateFinder
from engine.alpr.plate_recognizer import CrnnPlateRecognizer
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
    # The fallback (general) model reads a candidate again when the plate model's read fits
    # no format or its confidence is below this; the better-scoring read is kept. Default:
    # every candidate (about 2 ms each), since each model is confidently wrong where the other
    # is right: the plate model drops glyph shapes it never saw (California's open 4), the
    # general one reads province glyphs and plate clutter as characters.
    fallback_below: float = float("inf")
    unconfirmed: float = 0.6  # score factor for a read the other model does not confirm


def default_recognizers() -> tuple[PlateRecognizer, PlateRecognizer | None]:
    """The bundled plate model first and the general PP-OCR one as its fallback; the general
    one alone where the plate model is not installed."""
    try:
        path = bundled_model(PLATE_RECOGNIZER_MODEL)
    except FileNotFoundError:
        return create_recognizer("ppocr-en"), None
    return CrnnPlateRecognizer(path), create_recognizer("ppocr-en")


class PlateReader:
    """Reads at most one plate per searched area (vehicle box or whole image).

    With no recogniser given it uses default_recognizers(); a recogniser passed in is used
    alone unless a fallback is passed too.
    """

    def __init__(
        self,
        finder: PlateFinder | None = None,
        recognizer: PlateRecognizer | None = None,
        settings: PlateReaderSettings | None = None,
        fallback: PlateRecognizer | None = None,
    ) -> None:
        self.finder = finder or PlateFinder()
        if recognizer is None:
            recognizer, default_fallback = default_recognizers()
            fallback = fallback or default_fallback
        self.recognizer = recognizer
        self.fallback = fallback
        self.settings = settings or PlateReaderSettings()

    def read_image(self, image: np.ndarray) -> PlateRead | None:
        return self.read_boxes(image, [None])[0]

    def read_plate_crop(self, crop: np.ndarray) -> PlateRead | None:
        """Read an image known to be one plate (a plate detector's box): no finder, no gate."""
        h, w = crop.shape[:2]
        corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        candidate = self.finder.candidate(crop, corners, 1.0)
        return self._read([candidate], gate=False)[0]

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
        reads = iter(self._read(flat))
        results = []
        for candidates in per_box:
            scored = [next(reads) for _ in candidates]
            best = max((r for r in scored if r is not None), key=lambda r: r.score, default=None)
            results.append(best)
        return results

    def _read(self, candidates: list[PlateCandidate], gate: bool = True) -> list[PlateRead | None]:
        """Judged reads of the candidates: all in one batch, then again by the fallback.

        Where both models read a candidate the better-scoring read is kept, and its score is
        lowered when the other model does not confirm it: a plate-like string from one model
        alone is more often clutter (a grille, a sticker) than a plate.
        """
        primary = self.recognizer.read([c.crop for c in candidates])
        judged = [self._judge(c, r, gate=False) for c, r in zip(candidates, primary, strict=True)]
        if self.fallback is not None:
            weak = [
                i
                for i, read in enumerate(judged)
                if read is None or read.confidence < self.settings.fallback_below
            ]
            second = self.fallback.read([candidates[i].crop for i in weak]) if weak else []
            for i, text in zip(weak, second, strict=True):
                other = self._judge(candidates[i], text, gate=False)
                first = judged[i]
                best = max(
                    (r for r in (first, other) if r is not None),
                    key=lambda r: r.score,
                    default=None,
                )
                if best is not None and (
                    first is None or other is None or first.text != other.text
                ):
                    best = replace(best, score=best.score * self.settings.unconfirmed)
                judged[i] = best
        if not gate:
            return judged
        return [r if r is not None and r.score >= self.settings.min_score else None for r in judged]

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
