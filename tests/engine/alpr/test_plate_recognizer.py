"""The plate-specific recogniser (resources/models/plate_rec_crnn.onnx) and its place in
PlateReader, on real crops it never trained on (plate_crops_cn 100-199)."""

from __future__ import annotations

import subprocess
import sys

import cv2
import onnx

from engine.alpr.onnx_models import PLATE_RECOGNIZER_MODEL, bundled_model
from engine.alpr.plate_input import CHARSET
from engine.alpr.plate_recognizer import CrnnPlateRecognizer
from engine.alpr.reader import PlateReader, PlateReaderSettings
from engine.alpr.recognizer import create_recognizer
from tests.engine.alpr import DATA

CN = DATA / "plate_crops_cn"
TEST_CROPS = [f"{i:03d}.jpg" for i in range(100, 200)]  # 000-099 were training data


def _cn_truth() -> dict[str, str]:
    lines = (CN / "labels.tsv").read_text("utf-8").splitlines()[1:]
    # The province glyph comes first; the Latin letters and digits after it are what is read.
    return {name: plate[1:] for name, plate in (line.split("\t") for line in lines)}


def _cn_exact(reader: PlateReader) -> float:
    truth = _cn_truth()
    hits = 0
    for name in TEST_CROPS:
        read = reader.read_plate_crop(cv2.imread(str(CN / name)))
        hits += read is not None and read.text == truth[name]
    return hits / len(TEST_CROPS)


def test_shipped_model_is_small_and_carries_its_charset():
    path = bundled_model(PLATE_RECOGNIZER_MODEL)
    assert path.stat().st_size < 5_000_000
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert meta["charset"] == CHARSET
    assert CrnnPlateRecognizer().alphabet == list(CHARSET)


def test_cn_crops_100_to_199_read_exactly_by_the_plate_model():
    cn = PlateReaderSettings(region="cn")
    shipped = _cn_exact(PlateReader(settings=cn))  # plate model, general one as fallback
    plate_only = _cn_exact(PlateReader(recognizer=CrnnPlateRecognizer(), settings=cn))
    general = _cn_exact(PlateReader(recognizer=create_recognizer("ppocr-en"), settings=cn))
    print(
        f"\nplate_crops_cn 100-199 exact (Latin part): shipped reader {shipped:.0%}, "
        f"plate model alone {plate_only:.0%}, general model alone {general:.0%}"
    )
    assert shipped >= 0.80
    assert plate_only > general  # the plate model alone already beats the general one


def test_default_reader_puts_the_plate_model_first():
    reader = PlateReader()
    assert reader.recognizer.name == "plate-crnn"
    assert reader.fallback is not None and reader.fallback.name == "ppocr-en"


def test_the_engine_reads_plates_without_torch():
    code = (
        "import sys, cv2; from engine.alpr.reader import PlateReader; "
        f"r = PlateReader().read_image(cv2.imread({str(DATA / 'plate_crop_pixabay.jpg')!r})); "
        "assert r is not None and r.text == '4XXF538', r; "
        "assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
