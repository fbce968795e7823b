"""FleetService with its own clock: a device is online while heartbeats keep coming, offline
after three missed intervals; denials are audited."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine.services import AccessDenied
from engine.services.fleet import FleetService
from engine.services.schemas_fleet import DeviceRegister, Heartbeat
from engine.storage.repos.devices import DeviceRepository
from engine.storage.repos.fleet import FleetRepository
from engine.storage.repos.readings import ReadingRepository
from tests.engine.services.helpers import World


def test_offline_after_three_missed_heartbeats(world: World) -> None:
    now = [datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)]
    db = world.db
    service = FleetService(
        FleetRepository(db),
        DeviceRepository(db),
        ReadingRepository(db),
        world.services.audit_log,
        clock=lambda: now[0],
    )
    installer, supervisor = world.principal("installer"), world.principal("supervisor")
    issued = service.register(installer, DeviceRegister(device_id="j1", heartbeat_interval_s=10))
    device = world.services.device_keys.authenticate(issued.key)
    assert service.heartbeat(device, "j1", Heartbeat()).online is True

    def online() -> bool:
        return {d.device_id: d.online for d in service.list(supervisor)}["j1"]

    now[0] += timedelta(seconds=29)
    assert online() is True
    now[0] += timedelta(seconds=2)
    assert online() is False
    service.heartbeat(device, "j1", Heartbeat(status="degraded"))
    assert online() is True
    assert service.get(supervisor, "j1").status == "degraded"


def test_denials_are_audited(world: World) -> None:
    fleet = world.services.fleet
    with pytest.raises(AccessDenied):
        fleet.register(world.principal("supervisor"), DeviceRegister(device_id="j2"))
    issued = fleet.register(world.principal("admin"), DeviceRegister(device_id="j3"))
    other = fleet.register(world.principal("admin"), DeviceRegister(device_id="j4"))
    with pytest.raises(AccessDenied):
        fleet.heartbeat(world.services.device_keys.authenticate(other.key), "j3", Heartbeat())
    rows = [(r.action, r.object, r.outcome) for r in world.services.audit_log.entries()]
    assert ("device.register", "device:j2", "denied") in rows
    assert ("device.register", "device:j3", "ok") in rows
    assert ("device.heartbeat", "device:j3", "denied") in rows
    assert issued.key not in str(rows)
