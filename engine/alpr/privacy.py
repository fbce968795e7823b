"""The field policy as it applies to the engine's own plate reads, before they are stored."""

from __future__ import annotations

from dataclasses import dataclass

from engine.security.policy import FieldMode, PolicyRules, plate_hmac

PLATE_TEXT = "plate_text"  # the recogniser's raw text (seed 004's plate_text)
PLATE_NORMALIZED = "plate_normalized"  # the normalised text (seed 004's plate_normalized_text)
PLATE_EVENT_TYPE = "plate"


@dataclass(frozen=True)
class StoredPlate:
    """What of one read may be stored: texts (None when dropped or redacted), the keyed HMAC
    (None when dropped or without a key) and whether the plate may be kept in pictures."""

    text: str | None
    raw_text: str | None
    plate_hmac: str | None
    clear_images: bool


class PlatePrivacy:
    """The modes of `plate_normalized` and `plate_text` for one policy source (the engine's own
    cameras: `engine`, protected by default). Anything but protect keeps the plate out of
    pictures too: no crop is stored and the snapshot is blurred where the plate is."""

    def __init__(self, rules: PolicyRules, hmac_key: bytes | None, source: str = "engine") -> None:
        modes = rules.modes(source)
        self.text_mode = modes.get(PLATE_NORMALIZED, FieldMode.PROTECT)
        self.raw_mode = modes.get(PLATE_TEXT, self.text_mode)
        if FieldMode.REDACT in (self.text_mode, self.raw_mode) and not hmac_key:
            raise ValueError("the policy redacts plates: POLICY_HMAC_KEY must be set")
        self._rules = rules
        self._key = hmac_key

    @property
    def allowed(self) -> bool:
        """False when the rules deny plate events altogether."""
        rules = self._rules
        if PLATE_EVENT_TYPE in rules.deny_event_types:
            return False
        return not rules.allow_event_types or PLATE_EVENT_TYPE in rules.allow_event_types

    def apply(self, text: str, raw_text: str) -> StoredPlate | None:
        """The read as it may be stored, or None when plate events are not stored at all."""
        if not self.allowed:
            return None
        keep = self.text_mode is FieldMode.PROTECT
        keyed = self._key is not None and self.text_mode is not FieldMode.DROP
        return StoredPlate(
            text=text if keep else None,
            raw_text=raw_text if self.raw_mode is FieldMode.PROTECT else None,
            plate_hmac=plate_hmac(self._key, text) if keyed and self._key else None,
            clear_images=keep and self.raw_mode is FieldMode.PROTECT,
        )
