"""GET /ws/devices where it cannot push, and its per-viewer queues. An engine without a device
gateway refuses the stream with a 503 naming the missing broker, and the remote client polls
GET /devices instead (a registration still reaches it, without reading kinds); a role without
fleet.read may not subscribe. A viewer that falls behind loses its oldest updates and is told
how many, while one that keeps up gets them all."""

from __future__ import annotations

from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from engine.client.remote import login
from engine.client.remote_client import open_remote_client
from engine.client.remote_devices import PushedDevices
from engine.devices.gateway import DeviceGateway
from engine.server import create_app
from engine.services import AccessDenied, build_services
from engine.services.errors import Unavailable
from engine.services.schemas_fleet import DeviceRegister
from tests.engine.devices.conftest import wait_for
from tests.engine.devices.updates import Updates
from tests.engine.server.serving import running
from tests.engine.services.helpers import PASSWORD, make_settings, make_world

pytestmark = pytest.mark.timeout(60)


def test_without_a_gateway_the_stream_is_refused_and_the_client_polls(tmp_path: Path) -> None:
    world = make_world(f"sqlite:///{tmp_path / 'sentinel.db'}", tmp_path)
    app = create_app(world.services, make_settings(tmp_path))
    try:
        with running(app) as port:
            base = f"http://127.0.0.1:{port}"
            token = login(base, "admin", PASSWORD)
            with pytest.raises(InvalidStatus) as refused:
                connect(
                    f"ws://127.0.0.1:{port}/ws/devices",
                    additional_headers={"Authorization": f"Bearer {token}"},
                    open_timeout=10,
                )
            assert refused.value.response.status_code == 503
            assert b"no device broker" in refused.value.response.body

            operator = open_remote_client(base, "operator", PASSWORD)
            admin = open_remote_client(base, "admin", PASSWORD)
            try:
                with pytest.raises(AccessDenied):  # operators have no fleet.read
                    operator.subscribe_devices(lambda _update: None)
                updates = Updates()
                admin.subscribe_devices(updates)
                admin.register_device("jetson-01", kind="jetson", location="Depot")
                polled = wait_for(
                    lambda: updates.where(lambda u: u.device.device_id == "jetson-01"),
                    what="the registration, polled",
                )
                assert polled[0].device.location == "Depot"
                assert polled[0].kinds == frozenset()  # a poll cannot tell what was stored
                with pytest.raises(Unavailable, match="no device broker"):
                    admin.send_command("jetson-01", "BEEP")
            finally:
                operator.close()
                admin.close()
    finally:
        world.close()


def test_a_viewer_that_falls_behind_loses_its_oldest_updates(tmp_path: Path) -> None:
    world = make_world(f"sqlite:///{tmp_path / 'sentinel.db'}", tmp_path)
    # Never started: the stream only needs a gateway to listen to; the news here comes from
    # registrations through the fleet service.
    gateway = DeviceGateway(world.db, "mqtt://127.0.0.1:1883", "unused")
    services = build_services(world.db, make_settings(tmp_path), gateway=gateway)
    supervisor = world.principal("supervisor")
    slow = services.device_stream.open(supervisor, lambda: None, maxsize=2)
    keeping_up = services.device_stream.open(supervisor, lambda: None)
    try:
        installer = world.principal("installer")
        for n in range(5):
            services.fleet.register(installer, DeviceRegister(device_id=f"pole-{n}", kind="jetson"))
        wait_for(lambda: slow.dropped == 3, what="three updates dropped for the slow viewer")

        messages = slow.take()
        assert messages[0] == {"type": "dropped", "count": 3}
        assert [m["device"]["device_id"] for m in messages[1:]] == ["pole-3", "pole-4"]
        assert {m["type"] for m in messages[1:]} == {"device"}
        assert set(messages[1]) == {"type", "device", "kinds", "image"}
        everything = keeping_up.take()
        assert [m["device"]["device_id"] for m in everything] == [f"pole-{n}" for n in range(5)]
    finally:
        slow.cancel()
        keeping_up.cancel()
        services.device_stream.close()
        world.close()


def test_a_lost_device_stream_is_polled_until_it_is_back(tmp_path: Path) -> None:
    """The server restarts: while it is down the client polls; once it is back the push
    stream is dialled again, polling stops and every device is reported once (the gap)."""
    world = make_world(f"sqlite:///{tmp_path / 'sentinel.db'}", tmp_path)
    gateway = DeviceGateway(world.db, "mqtt://127.0.0.1:1883", "unused")  # listened to only
    settings = make_settings(tmp_path)

    def serve(port: int = 0):
        services = build_services(world.db, settings, gateway=gateway)
        return running(create_app(services, settings), port=port)

    admin = None
    try:
        with serve() as port:
            base = f"http://127.0.0.1:{port}"
            admin = open_remote_client(base, "admin", PASSWORD)
            updates = Updates()
            pushed = admin.subscribe_devices(updates).inner
            assert isinstance(pushed, PushedDevices) and not pushed.polling
            admin.register_device("pole-1", kind="jetson", location="Quay")
            wait_for(lambda: updates.where(lambda u: u.device.device_id == "pole-1"), what="push")
        wait_for(lambda: pushed.polling, what="polling once the stream is lost")

        # Registered while this client's stream is down (straight into the shared database).
        world.services.fleet.register(
            world.principal("installer"), DeviceRegister(device_id="pole-2", kind="jetson")
        )
        with serve(port):
            wait_for(lambda: not pushed.polling, timeout=30, what="the push stream back")
            wait_for(lambda: updates.where(lambda u: u.device.device_id == "pole-2"), what="gap")
            admin.register_device("pole-3", kind="jetson", location="Depot")
            wait_for(lambda: updates.where(lambda u: u.device.device_id == "pole-3"), what="push")
            assert not pushed.polling
    finally:
        if admin is not None:
            admin.close()
        world.close()
