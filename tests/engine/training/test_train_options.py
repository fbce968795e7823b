"""train_yolo's `--augment KEY=VALUE`: known ultralytics augmentation settings pass as numbers,
anything else stops the run before it starts (a typo would otherwise train hours with defaults)."""

from __future__ import annotations

import pytest

from engine.training.train_yolo import parse_augment


def test_augment_pairs_become_numbers() -> None:
    assert parse_augment(["mixup=0.15", "degrees=3"]) == {"mixup": 0.15, "degrees": 3.0}
    assert parse_augment([]) == {}


@pytest.mark.parametrize("pair", ["mixpu=0.1", "mixup", "mixup=lots", "lr0=0.01"])
def test_unknown_or_malformed_settings_are_refused(pair: str) -> None:
    with pytest.raises(SystemExit, match="--augment"):
        parse_augment([pair])
