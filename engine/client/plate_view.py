"""PlateView: plate text as the in-process console's local user may see it.

The same rule as the services' (engine.services.plates): in clear with plates.view, masked
without, and a plate event's snapshot blurred where the plate is. A policy that does not keep
plates in clear (redact, drop) hides the live reads from every role, as it hides the stored ones.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from engine.alpr.blur import blur_box
from engine.assembly import plate_privacy
from engine.config import Settings
from engine.domain import Event, FrameResult
from engine.security.permissions import Permission, load_roles
from engine.security.policy import MASK, FieldMode, mask

# The demo's local user: the operator at their own workstation, who may see everything.
LOCAL_ROLE = "admin"


class PlateView:
    """Masks plate text in frame results and events handed to one viewer; remembers the plate
    boxes of the masked plate events it passed on, so their snapshots come back blurred."""

    def __init__(self, show_plates: bool, *, policy_keeps_plates: bool = True) -> None:
        self.show_plates = show_plates and policy_keeps_plates
        self._policy_keeps_plates = policy_keeps_plates
        self._hidden: dict[str, tuple[float, float, float, float]] = {}  # snapshot key -> box

    @classmethod
    def for_role(cls, settings: Settings, role: str) -> PlateView:
        """The view of a user with `role` in the roles file (unknown roles see no plates)."""
        permitted = Permission.PLATES_VIEW in load_roles(settings.roles_file).permissions(role)
        kept = plate_privacy(settings).text_mode is FieldMode.PROTECT
        return cls(permitted, policy_keeps_plates=kept)

    def _text(self, text: str) -> str:
        return mask(text) if self._policy_keeps_plates else MASK

    def frame(self, result: FrameResult) -> FrameResult:
        if self.show_plates or not result.plates:
            return result
        hidden = {tid: self._text(text) for tid, text in result.plates.items()}
        return dataclasses.replace(result, plates=hidden)

    def event(self, event: Event) -> Event:
        plate = event.plate
        if self.show_plates or plate is None:
            return event
        if event.snapshot is not None:
            self._hidden[event.snapshot] = plate.box or event.box  # no plate box: the vehicle
        shown = plate.model_copy(
            update={
                "text": mask(plate.text) if plate.text else None,
                "raw_text": mask(plate.raw_text) if plate.raw_text else None,
                "crop": None,  # the crop is the plate itself
            }
        )
        return event.model_copy(update={"plate": shown})

    def snapshot(self, key: str, data: bytes) -> bytes:
        box = self._hidden.get(key)
        if box is None:
            return data
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError("snapshot is not a picture")
        ok, encoded = cv2.imencode(".jpg", blur_box(image, box))
        if not ok:
            raise ValueError("snapshot could not be encoded")
        return encoded.tobytes()
