"""Plate finding and reading on real photos and crops."""

from __future__ import annotations

import time

import cv2
import pytest

from engine.alpr.normalize import clean
from engine.alpr.reader import PlateReader, PlateReaderSettings
from engine.alpr.recognizer import create_recognizer
from engine.vision import load_detector
from tests.engine.alpr import DATA

CN = DATA / "plate_crops_cn"
VEHICLES = ["car", "motorcycle", "bus", "truck"]


def test_bare_recogniser_cuts_the_first_character_of_the_crop():
    # The baseline the finder must beat: the whole two-line crop loses the leading 4.
    crop = cv2.imread(str(DATA / "plate_crop_pixabay.jpg"))
    assert create_recognizer().read([crop])[0].text != "4XXF538"


@pytest.mark.parametrize("name", ["plate_crop_pixabay.jpg", "car_plate_pixabay.jpg"])
def test_reads_the_pixabay_plate_in_the_whole_image(plate_reader, name):
    read = plate_reader.read_image(cv2.imread(str(DATA / name)))
    assert read is not None and read.text == "4XXF538"
    assert read.region == "us" and read.confidence > 0.9


def test_reads_the_plate_inside_the_detected_vehicle(plate_reader):
    image = cv2.imread(str(DATA / "car_plate_pixabay.jpg"))
    cars = load_detector(classes=VEHICLES).detect(image)  # YOLOX calls the Beetle a truck
    assert len(cars) >= 1
    reads = plate_reader.read_boxes(image, [tuple(b) for b in cars.xyxy])
    best = max((r for r in reads if r), key=lambda r: r.score)
    assert best.text == "4XXF538"
    x1, y1, x2, y2 = best.box  # the plate sits low and centred on the Beetle
    assert 580 < x1 < x2 < 710 and 590 < y1 < y2 < 645


@pytest.mark.parametrize("name", ["car_o4n.jpg", "cars_o4n.jpg"])
def test_no_plate_on_cars_without_readable_plates(plate_reader, name):
    image = cv2.imread(str(DATA / name))
    cars = load_detector(classes=VEHICLES).detect(image)
    assert len(cars) >= 1
    assert plate_reader.read_image(image) is None
    assert all(r is None for r in plate_reader.read_boxes(image, [tuple(b) for b in cars.xyxy]))


def test_cn_crops_100_to_199_latin_part_with_the_general_model():
    labels = dict(
        line.split("\t") for line in (CN / "labels.tsv").read_text("utf-8").splitlines()[1:]
    )
    names = [f"{i:03d}.jpg" for i in range(100, 200)]  # 000-099 are for training only
    reader = PlateReader(
        recognizer=create_recognizer("ppocr-en"), settings=PlateReaderSettings(region="cn")
    )
    exact = raw_exact = 0
    start = time.perf_counter()
    for name in names:
        read = reader.read_plate_crop(cv2.imread(str(CN / name)))
        truth = labels[name][1:]  # the province glyph is outside a Latin model's alphabet
        exact += read is not None and read.text == truth
        raw_exact += read is not None and clean(read.raw) == truth
    ms = (time.perf_counter() - start) * 1000 / len(names)
    print(
        f"\nplate_crops_cn 100-199, general model: {exact}/{len(names)} exact after"
        f" normalisation, {raw_exact}/{len(names)} raw; {ms:.1f} ms per crop"
    )
    assert exact / len(names) > 0.30
