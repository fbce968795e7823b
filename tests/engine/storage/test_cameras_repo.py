from __future__ import annotations

import uuid

from engine.domain import Camera, DetectionSettings
from engine.storage import CameraRepository, Database


def test_cameras_round_trip_add_replace_list_delete(db: Database) -> None:
    repo = CameraRepository(db)
    first = Camera(
        name="Main St / 5th",
        source="rtsp://10.0.0.5/stream1",
        loop=True,
        detection=DetectionSettings(input_size=320, classes=["car", "bus"], score_threshold=0.35),
        latitude=52.520008,
        longitude=13.404954,
        site="north",
    )
    second = Camera(name="Depot", source="/data/depot.mp4")
    repo.add(first)
    repo.add(second)

    assert repo.get(first.id) == first
    assert repo.get(str(first.id).upper()) == first  # any spelling of the id
    assert repo.get(uuid.uuid4()) is None
    assert repo.list() == [first, second]  # in the order they were added

    renamed = first.model_copy(update={"name": "Main St", "detection": DetectionSettings()})
    repo.add(renamed)
    assert repo.list() == [renamed, second]  # replaced in place, order kept

    assert repo.delete(str(first.id)) is True
    assert repo.delete(first.id) is False
    assert repo.list() == [second]
