"""PlateView: plate text as the in-process console's local user may see it.

The same rule as the services' (engine.services.plates): in clear with plates.view, masked
without, and a plate event's snapshot blurred where the plate is. A policy that does not keep
plates in clear (redact, drop) hides the live reads from every role, as it hides the stored ones.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

import cv2
import numpy as np

from engine.alpr.blur import blur_box
from engine.assembly import plate_privacy
from engine.config import Settings
from engine.domain import Event, FrameResult
from engine.security.permissions import Permission, load_roles
from engine.security.policy import MASK, FieldMode, mask

log = logging.getLogger(__name__)

# The demo's local user: the operator at their own workstation, who may see everything.
LOCAL_ROLE = "admin"


class PlateView:
    """Masks plate text in frame results and events handed to one viewer; remembers the plate
    boxes of the masked plate events it passed on, so their snapshots come back blurred."""

    def __init__(
        self,
        show_plates: bool,
        *,
        policy_keeps_plates: bool = True,
        audit: Callable[[str, str], None] | None = None,
    ) -> None:
        self.show_plates = show_plates and policy_keeps_plates
        self._policy_keeps_plates = policy_keeps_plates
        self._hidden: dict[str, tuple[float, float, float, float]] = {}  # snapshot key -> box
        self._clear: dict[str, str] = {}  # snapshot key -> event id, of plates shown in clear
        # (action, object) -> an audit row as the local user: plates shown in clear are
        # audited here as the services audit them (view.plate, view.plate_snapshot).
        self._audit = audit

    @classmethod
    def for_role(
        cls, settings: Settings, role: str, audit: Callable[[str, str], None] | None = None
    ) -> PlateView:
        """The view of a user with `role` in the roles file (unknown roles see no plates)."""
        permitted = Permission.PLATES_VIEW in load_roles(settings.roles_file).permissions(role)
        kept = plate_privacy(settings).text_mode is FieldMode.PROTECT
        return cls(permitted, policy_keeps_plates=kept, audit=audit)

    def _record(self, action: str, target: str) -> None:
        if self._audit is None:
            return
        try:
            self._audit(action, target)
        except Exception:  # the database is away: the view goes on, the log says so
            log.warning("plate view not audited", extra={"action": action, "object": target})

    def _text(self, text: str) -> str:
        return mask(text) if self._policy_keeps_plates else MASK

    def frame(self, result: FrameResult) -> FrameResult:
        if self.show_plates or not result.plates:
            return result
        hidden = {tid: self._text(text) for tid, text in result.plates.items()}
        return dataclasses.replace(result, plates=hidden)

    def event(self, event: Event) -> Event:
        plate = event.plate
        if plate is None:
            return event
        if self.show_plates:
            if plate.text:
                self._record("view.plate", f"event:{event.id}")
                if event.snapshot is not None:
                    self._clear[event.snapshot] = str(event.id)
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
            if key in self._clear:
                self._record("view.plate_snapshot", f"event:{self._clear[key]}")
            return data
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError("snapshot is not a picture")
        ok, encoded = cv2.imencode(".jpg", blur_box(image, box))
        if not ok:
            raise ValueError("snapshot could not be encoded")
        return encoded.tobytes()
