"""The plate-specific recogniser: a small CRNN trained on plates (engine/alpr/training),
run on onnxruntime. Input and charset come from the model's metadata and plate_input.py."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from engine.alpr.onnx_models import PLATE_RECOGNIZER_MODEL, bundled_model, open_session
from engine.alpr.plate_input import CHARSET, INPUT_HEIGHT, INPUT_WIDTH, prepare_plate
from engine.alpr.recognizer import (
    PlateRecognizer,
    TextRead,
    ctc_greedy_decode,
    register_recognizer,
)

BATCH = 16


class CrnnPlateRecognizer:
    """Reads plate registrations (0-9, A-Z) from BGR crops; fixed 32x128 grey input."""

    def __init__(self, model: Path | None = None, name: str = "plate-crnn") -> None:
        self.name = name
        self._session = open_session(model or bundled_model(PLATE_RECOGNIZER_MODEL))
        self._input = self._session.get_inputs()[0].name
        meta = self._session.get_modelmeta().custom_metadata_map
        self.alphabet = list(meta.get("charset", CHARSET))
        size = (
            int(meta.get("input_height", INPUT_HEIGHT)),
            int(meta.get("input_width", INPUT_WIDTH)),
        )
        if size != (INPUT_HEIGHT, INPUT_WIDTH):
            raise ValueError(
                f"plate model expects {size}, this engine prepares {(INPUT_HEIGHT, INPUT_WIDTH)}"
            )

    def read(self, crops: Sequence[np.ndarray]) -> list[TextRead]:
        results: list[TextRead] = []
        for start in range(0, len(crops), BATCH):
            chunk = crops[start : start + BATCH]
            batch = np.stack([prepare_plate(c) for c in chunk])[:, None]
            probs = self._session.run(None, {self._input: batch})[0]
            results += [ctc_greedy_decode(p, self.alphabet) for p in probs]
        return results


@register_recognizer("plate-crnn")
def _plate_crnn() -> PlateRecognizer:
    return CrnnPlateRecognizer()
