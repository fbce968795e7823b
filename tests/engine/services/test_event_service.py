"""EventService enforces events.read, camera rights and presentation without any HTTP."""

from __future__ import annotations

import pytest

from engine.client.protocol import EventQuery
from engine.services import AccessDenied, NotFound
from tests.engine.services.helpers import CAM_A, CAM_B, World

# role -> may read events, and which cameras its list returns (row lists CAM_A only).
ROLE_EVENTS = [
    ("operator", True, {CAM_A}),
    ("labeler", True, {CAM_A}),
    ("supervisor", True, {CAM_A, CAM_B}),
    ("installer", False, None),
    ("admin", True, {CAM_A, CAM_B}),
]


@pytest.mark.parametrize(("role", "allowed", "cameras"), ROLE_EVENTS)
def test_list_follows_role_and_camera_rights(
    world: World, role: str, allowed: bool, cameras: set[str] | None
) -> None:
    principal = world.principal(role)
    if not allowed:
        with pytest.raises(AccessDenied):
            world.services.events.list(principal, EventQuery())
        return
    found = world.services.events.list(principal, EventQuery())
    assert {event.camera_id for event in found} == cameras
    expected = sorted(
        (e for cam in cameras for e in world.events[cam]), key=lambda e: e.timestamp, reverse=True
    )
    assert [e.id for e in found] == [e.id for e in expected]


def test_limited_listing_pages_across_its_cameras_in_time_order(world: World) -> None:
    admin = world.principal("admin")
    everything = world.services.events.list(admin, EventQuery())
    page = world.services.events.list(admin, EventQuery(limit=2, offset=1))
    assert [e.id for e in page] == [e.id for e in everything[1:3]]


def test_other_camera_is_denied_and_audited(world: World) -> None:
    operator = world.principal("operator")
    other = world.events[CAM_B][0]
    with pytest.raises(AccessDenied):
        world.services.events.list(operator, EventQuery(camera_id=CAM_B))
    with pytest.raises(AccessDenied):
        world.services.events.get(operator, str(other.id))
    denied = world.services.audit_log.entries(actor="user:operator")
    assert {(e.action, e.outcome) for e in denied} == {
        ("event.list", "denied"),
        ("event.get", "denied"),
    }
    assert {e.remote for e in denied} == {"test"}


def test_own_camera_event_is_returned_and_unknown_ids_are_not_found(world: World) -> None:
    operator = world.principal("operator")
    mine = world.events[CAM_A][0]
    assert world.services.events.get(operator, str(mine.id)) == mine
    for missing in ["00000000-0000-0000-0000-000000000000", "not-a-uuid"]:
        with pytest.raises(NotFound):
            world.services.events.get(operator, missing)


def test_wrong_role_for_get_is_denied_before_looking_anything_up(world: World) -> None:
    with pytest.raises(AccessDenied):
        world.services.events.get(world.principal("installer"), "not-a-uuid")
