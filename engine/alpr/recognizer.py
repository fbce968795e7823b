"""Text recognisers for plate crops behind one small protocol and a registry.

The bundled one is PP-OCR's English+digits CTC model (input height 32, keep ratio,
(x/255 - 0.5) / 0.5, output [N, T, 97]: 0 = blank, the 95 dictionary characters, then space).
A plate-specific model registers under its own name and plugs in with no change elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from engine.alpr.onnx_models import (
    TEXT_RECOGNIZER_DICT,
    TEXT_RECOGNIZER_MODEL,
    bundled_model,
    open_session,
)

REC_HEIGHT = 32
MAX_WIDTH = 320  # longer crops are squeezed: plates never need more than ~40 time steps


@dataclass(frozen=True)
class TextRead:
    """One recognised line: the decoded text and one probability per character."""

    text: str
    char_probs: tuple[float, ...]

    @property
    def confidence(self) -> float:
        """Geometric mean of the character probabilities (0 for an empty read)."""
        if not self.char_probs:
            return 0.0
        return float(np.exp(np.mean(np.log(np.clip(self.char_probs, 1e-6, 1.0)))))


class PlateRecognizer(Protocol):
    """Reads text from BGR crops; one TextRead per crop, in order."""

    name: str

    def read(self, crops: Sequence[np.ndarray]) -> list[TextRead]: ...


_REGISTRY: dict[str, Callable[[], PlateRecognizer]] = {}


def register_recognizer(name: str) -> Callable[[Callable[[], PlateRecognizer]], Callable]:
    def wrap(factory: Callable[[], PlateRecognizer]) -> Callable[[], PlateRecognizer]:
        _REGISTRY[name] = factory
        return factory

    return wrap


def recognizer_names() -> list[str]:
    return sorted(_REGISTRY)


def create_recognizer(name: str = "ppocr-en") -> PlateRecognizer:
    try:
        factory = _REGISTRY[name]
    except KeyError:
        known = recognizer_names()
        raise ValueError(f"unknown plate recogniser {name!r}; known: {known}") from None
    return factory()


def ctc_greedy_decode(probs: np.ndarray, alphabet: Sequence[str]) -> TextRead:
    """Best path: argmax per step, collapse repeats, drop blanks (index 0).

    A character's probability is the max over the steps that produced it, which is what
    PaddleOCR reports per character.
    """
    best = probs.argmax(axis=1)
    best_p = probs.max(axis=1)
    chars: list[str] = []
    char_probs: list[float] = []
    previous = -1
    for index, p in zip(best.tolist(), best_p.tolist(), strict=True):
        if index != previous and index != 0:
            chars.append(alphabet[index - 1])
            char_probs.append(p)
        elif index == previous and index != 0:
            char_probs[-1] = max(char_probs[-1], p)
        previous = index
    return TextRead("".join(chars), tuple(char_probs))


class CtcRecognizer:
    """PP-OCR English+digits CTC recogniser; crops of one batch are padded to a common width."""

    def __init__(
        self, model: Path | None = None, alphabet_file: Path | None = None, name: str = "ppocr-en"
    ) -> None:
        self.name = name
        self._session = open_session(model or bundled_model(TEXT_RECOGNIZER_MODEL))
        self._input = self._session.get_inputs()[0].name
        lines = (alphabet_file or bundled_model(TEXT_RECOGNIZER_DICT)).read_text("utf-8")
        self.alphabet = [line.rstrip("\r\n") for line in lines.splitlines()] + [" "]

    @staticmethod
    def _prepare(crop: np.ndarray) -> np.ndarray:
        h, w = crop.shape[:2]
        width = int(min(MAX_WIDTH, max(REC_HEIGHT, round(w * REC_HEIGHT / max(h, 1)))))
        resized = cv2.resize(crop, (width, REC_HEIGHT), interpolation=cv2.INTER_LINEAR)
        return (resized.astype(np.float32) / 255.0 - 0.5) / 0.5

    def read(self, crops: Sequence[np.ndarray]) -> list[TextRead]:
        if not crops:
            return []
        prepared = [self._prepare(c) for c in crops]
        # Batch by similar width so padding stays small (PaddleOCR sorts by ratio too).
        order = np.argsort([p.shape[1] for p in prepared])
        results: list[TextRead | None] = [None] * len(crops)
        for start in range(0, len(order), 8):
            chunk = order[start : start + 8]
            width = max(prepared[i].shape[1] for i in chunk)
            batch = np.zeros((len(chunk), 3, REC_HEIGHT, width), dtype=np.float32)
            for row, i in enumerate(chunk):
                batch[row, :, :, : prepared[i].shape[1]] = prepared[i].transpose(2, 0, 1)
            out = self._session.run(None, {self._input: batch})[0]
            for row, i in enumerate(chunk):
                results[i] = ctc_greedy_decode(out[row], self.alphabet)
        return [r for r in results if r is not None]


@register_recognizer("ppocr-en")
def _ppocr_en() -> PlateRecognizer:
    return CtcRecognizer()
