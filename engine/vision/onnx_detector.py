"""ONNX Runtime detector backend for YOLOX exports and ultralytics YOLOv8/YOLO11 exports.

The layout is recognised from the model itself: YOLOX gives [1, anchors, 5 + classes] with an
objectness column and grid-relative boxes; ultralytics gives [1, 4 + classes, anchors] with
absolute centre boxes and no objectness.
"""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from engine.domain import Detections
from engine.resources import default_model_path, resource_path
from engine.vision.detector import DetectorConfig, DetectorError, register_detector
from engine.vision.letterbox import Letterbox, LetterboxCanvas
from engine.vision.nms import nms_per_class

log = logging.getLogger(__name__)
YOLOX_STRIDES = (8, 16, 32)
CROSS_CLASS_IOU = 0.7


@dataclass(frozen=True)
class ModelLayout:
    family: str  # "yolox" | "ultralytics"
    num_classes: int
    fixed_size: int | None


def _read_names(meta: dict[str, str], num_classes: int) -> dict[int, str]:
    if "names" in meta:
        try:
            names = ast.literal_eval(meta["names"])
            return {int(k): str(v) for k, v in dict(names).items()}
        except (ValueError, SyntaxError, TypeError):
            log.warning("model metadata 'names' unreadable; falling back")
    if num_classes == 80:
        lines = resource_path("models", "coco80.names").read_text().splitlines()
        return {i: name.strip() for i, name in enumerate(lines) if name.strip()}
    return {i: str(i) for i in range(num_classes)}


def _recognise(session: ort.InferenceSession) -> ModelLayout:
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1 or len(outputs) != 1 or len(outputs[0].shape) != 3:
        raise DetectorError("model is neither a YOLOX nor an ultralytics detection export")
    height, width = inputs[0].shape[2], inputs[0].shape[3]
    fixed = height if isinstance(height, int) and height == width else None
    meta = session.get_modelmeta().custom_metadata_map
    shape = outputs[0].shape
    if meta.get("family") == "yolox":
        return ModelLayout("yolox", int(shape[2]) - 5, fixed)
    if "ultralytics" in meta.get("author", "").lower() or meta.get("task") == "detect":
        return ModelLayout("ultralytics", int(shape[1]) - 4, fixed)
    # No metadata: the smaller of the last two dims is the per-anchor vector.
    if isinstance(shape[2], int) and (not isinstance(shape[1], int) or shape[2] < shape[1]):
        return ModelLayout("yolox", int(shape[2]) - 5, fixed)
    return ModelLayout("ultralytics", int(shape[1]) - 4, fixed)


class OnnxDetector:
    """Runs a YOLO-family ONNX model on the CPU (or a GPU provider when present)."""

    def __init__(self, config: DetectorConfig) -> None:
        path = Path(config.model) if config.model else default_model_path()
        if not path.is_file():
            raise DetectorError(f"model file not found: {path}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = config.threads
        options.inter_op_num_threads = 1
        if not config.spin_threads:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(str(path), options, providers=_providers())
            self.layout = _recognise(self._session)
        except DetectorError:
            raise
        except Exception as exc:  # onnxruntime raises its own untyped errors for bad files
            reason = str(exc).splitlines()[0]
            raise DetectorError(f"cannot load model {path.name}: {reason}") from None
        self.model_path = path
        self.input_size = self.layout.fixed_size or _round_to_stride(config.input_size)
        if self.layout.fixed_size and config.input_size != self.layout.fixed_size:
            log.info("model %s has a fixed input of %d px", path.name, self.layout.fixed_size)
        meta = self._session.get_modelmeta().custom_metadata_map
        self.class_names = _read_names(meta, self.layout.num_classes)
        self._input_name = self._session.get_inputs()[0].name
        self._score_threshold = config.score_threshold
        self._nms_iou = config.nms_iou
        self._keep = self._class_mask(config.classes)
        self._grids: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        yolox = self.layout.family == "yolox"
        self._letterbox = LetterboxCanvas(
            self.input_size, centred=not yolox, rgb=not yolox, scale=1.0 if yolox else 1 / 255.0
        )

    def _class_mask(self, classes: list[str] | None) -> np.ndarray | None:
        if classes is None:
            return None
        by_name = {name: cid for cid, name in self.class_names.items()}
        unknown = [c for c in classes if c not in by_name]
        if unknown:
            raise DetectorError(f"classes not in the model: {', '.join(unknown)}")
        mask = np.zeros(self.layout.num_classes, dtype=bool)
        mask[[by_name[c] for c in classes]] = True
        return mask

    def detect(self, image: np.ndarray) -> Detections:
        tensor, box = self.preprocess(image)
        output = self._session.run(None, {self._input_name: tensor})[0][0]
        return self.postprocess(output, box, image.shape[1], image.shape[0])

    def preprocess(self, image: np.ndarray) -> tuple[np.ndarray, Letterbox]:
        """Letterboxed NCHW float32 tensor as the model family expects it."""
        return self._letterbox(image)

    def run(self, tensor: np.ndarray) -> np.ndarray:
        return self._session.run(None, {self._input_name: tensor})[0]

    def postprocess(
        self, output: np.ndarray, box: Letterbox, width: int, height: int
    ) -> Detections:
        if self.layout.family == "yolox":
            cxcywh, class_scores = self._decode_yolox(output)
        else:
            cxcywh, class_scores = output[:4].T, output[4:].T
        if self._keep is not None:
            class_scores = np.where(self._keep, class_scores, 0.0)
        class_id = class_scores.argmax(axis=1)
        score = class_scores[np.arange(len(class_id)), class_id]
        sel = score >= self._score_threshold
        cxcywh, score, class_id = cxcywh[sel], score[sel], class_id[sel]
        xyxy = np.concatenate(
            [cxcywh[:, :2] - cxcywh[:, 2:] / 2, cxcywh[:, :2] + cxcywh[:, 2:] / 2], 1
        )
        keep = nms_per_class(xyxy, score, class_id, self._nms_iou)
        # A car that is also scored "truck" would otherwise become two tracks.
        keep = keep[
            nms_per_class(xyxy[keep], score[keep], np.zeros(len(keep), int), CROSS_CLASS_IOU)
        ]
        return Detections(
            xyxy=box.to_source(xyxy[keep], width, height),
            score=score[keep],
            class_id=class_id[keep],
        )

    def _decode_yolox(self, output: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        grid, strides = self._grid(self.input_size)
        cxcy = (output[:, :2] + grid) * strides
        wh = np.exp(np.clip(output[:, 2:4], -10, 10)) * strides
        return np.concatenate([cxcy, wh], axis=1), output[:, 4:5] * output[:, 5:]

    def _grid(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        if size not in self._grids:
            grids, strides = [], []
            for stride in YOLOX_STRIDES:
                cells = size // stride
                ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
                grids.append(np.stack([xs, ys], axis=2).reshape(-1, 2))
                strides.append(np.full((cells * cells, 1), stride))
            self._grids[size] = (
                np.concatenate(grids).astype(np.float32),
                np.concatenate(strides).astype(np.float32),
            )
        return self._grids[size]


def _round_to_stride(size: int) -> int:
    return max(32, int(round(size / 32)) * 32)


def _providers() -> list[str]:
    wanted = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    available = set(ort.get_available_providers())
    return [p for p in wanted if p in available]


@register_detector("onnx")
def _make_onnx(config: DetectorConfig) -> OnnxDetector:
    return OnnxDetector(config)
