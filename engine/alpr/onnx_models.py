"""Bundled OCR model paths and one way to open an ONNX session for the ALPR stages."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort

from engine.resources import resource_path

TEXT_DETECTOR_MODEL = "ppocr_en_v3_det.onnx"
TEXT_RECOGNIZER_MODEL = "ppocr_en_number_mobile_v2_rec.onnx"
TEXT_RECOGNIZER_DICT = "ppocr_en_dict.txt"
PLATE_RECOGNIZER_MODEL = "plate_rec_crnn.onnx"  # engine/alpr/training/train_plate_rec.py


def bundled_model(name: str) -> Path:
    return resource_path("models", name)


def open_session(path: Path, threads: int = 2) -> ort.InferenceSession:
    """A CPU session; two threads match the edge boxes and leave the decoder a core."""
    if not path.is_file():
        raise FileNotFoundError(f"model file not found: {path}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # Idle workers spinning for the next small op burn CPU the budget counts and other cameras
    # need; the models here are small, so waking a sleeping thread costs far less.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
