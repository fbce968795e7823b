"""Protected plates: clear for a supervisor with an audit row per view, masked for a labeler;
redacted plates never leave in clear. Through EventService, on both databases."""

from __future__ import annotations

import pytest

from engine.security.policy import fold_plate
from tests.engine.services.helpers import World

RECORD = {"id": "e-1", "camera_id": "cam-a", "plate_text": "4XAB738"}


@pytest.mark.parametrize(
    ("role", "shown", "audited"),
    [
        ("supervisor", "4XAB738", 1),
        ("operator", "4XAB738", 1),
        ("labeler", "4X•••38", 0),
        ("admin", "4XAB738", 1),
    ],
)
def test_protected_plate_by_role(world: World, role: str, shown: str, audited: int) -> None:
    out = world.services.events.present_record(world.principal(role), RECORD, "event:e-1")
    assert out["plate_text"] == shown
    rows = world.services.audit_log.entries(action="view.plate_text")
    expected = [(f"user:{role}", "event:e-1", "ok")] * audited
    assert [(r.actor, r.object, r.outcome) for r in rows] == expected


def test_redacted_plate_is_never_shown_in_clear_but_its_hmac_matches(world: World) -> None:
    policy = world.services.policy
    stored = policy.apply_policy({"event_type": "plate", "plate_text": "4XB-738"}, "ingest")
    assert stored is not None and "plate_text" not in stored
    assert stored["plate_text_hmac"] == policy.hmac("4x8 738")  # watchlist entry, look-alike
    assert fold_plate("4x8 738") == fold_plate("4XB-738")
    admin = world.principal("admin")
    shown, clear = policy.present_record(stored, admin, "ingest")
    assert shown == {"event_type": "plate", "plate_text_hmac": stored["plate_text_hmac"]}
    assert clear == []
