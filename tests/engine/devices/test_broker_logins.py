"""Device credentials on a private Mosquitto with the dynamic-security plugin: a registered
virtual device (the firmware's host build) logs in and is stored; a wrong password is refused;
device A cannot publish on B's topics; a revoked device is cut off and cannot come back."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from engine.devices import DeviceGateway
from engine.devices.broker import ADMIN_USER, PrivateBroker
from engine.devices.broker_logins import BrokerLoginError, BrokerLogins
from engine.storage.database import Database
from tests.engine.devices.conftest import Devices, wait_for


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    with PrivateBroker(tmp_path / "broker") as running:
        yield running


@pytest.fixture
def logins(broker: PrivateBroker, root: str) -> BrokerLogins:
    return BrokerLogins(broker.url, ADMIN_USER, broker.admin_password, root=root)


@pytest.fixture
def secured_gateway(
    db: Database, broker: PrivateBroker, logins: BrokerLogins, root: str
) -> Iterator[DeviceGateway]:
    password = logins.add_service(f"gateway-{root}")
    gateway = DeviceGateway(
        db, broker.url, root, client_id=f"gw-{root}", username=f"gateway-{root}", password=password
    )
    gateway.start()
    yield gateway
    gateway.stop(forget_session=True)


class Session:
    """A raw MQTT client logged in as someone; records whether the broker let it in or out."""

    def __init__(self, broker: PrivateBroker, username: str, password: str) -> None:
        self.connected = threading.Event()
        self.dropped = threading.Event()
        self.refusal: str | None = None
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"s-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
        )
        self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *_: self.dropped.set()
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def _on_connect(self, _c, _u, _f, reason_code, _p) -> None:
        if reason_code.is_failure:
            self.refusal = str(reason_code)
            self.dropped.set()
        else:
            self.connected.set()

    def wait(self) -> bool:
        """True when let in, False when refused."""
        self.connected.wait(5) or self.dropped.wait(5)
        return self.connected.is_set() and self.refusal is None

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _credentials(tmp_path: Path, **passwords: str) -> Path:
    path = tmp_path / "credentials.txt"
    path.write_text("".join(f"{device} {password}\n" for device, password in passwords.items()))
    return path


def test_registered_device_logs_in_and_is_stored(
    secured_gateway: DeviceGateway, logins: BrokerLogins, devices: Devices, broker, tmp_path
) -> None:
    password = logins.add_device("vdev-0000")
    process = devices.start(
        count=1,
        duration=1.5,
        rate=5,
        broker=f"{broker.host}:{broker.port}",
        credentials=_credentials(tmp_path, **{"vdev-0000": password}),
    )
    report = Devices.report(process)
    assert report["sent"] >= 5 and report["errors"] == 0

    def stored() -> bool:
        secured_gateway.wait_idle(1)
        return secured_gateway.readings.count() >= report["sent"]

    wait_for(stored, what="the registered device's messages stored")


def test_unregistered_or_wrong_password_is_refused(
    secured_gateway: DeviceGateway, logins: BrokerLogins, devices: Devices, broker, tmp_path
) -> None:
    logins.add_device("vdev-0000")
    wrong = Session(broker, "vdev-0000", "not-the-password")
    anonymous_device = devices.start(
        count=1, duration=1.0, rate=5, broker=f"{broker.host}:{broker.port}"
    )
    try:
        assert not wrong.wait()
        refusal = (wrong.refusal or "").lower()
        assert "not authorized" in refusal or "bad user name or password" in refusal
        report = Devices.report(anonymous_device)
        assert report["connects"] == 0
        secured_gateway.wait_idle(1)
        assert secured_gateway.readings.count() == 0
    finally:
        wrong.close()


def test_device_cannot_publish_on_another_devices_topics(
    secured_gateway: DeviceGateway, logins: BrokerLogins, broker, root
) -> None:
    password_a = logins.add_device("dev-a")
    logins.add_device("dev-b")
    a = Session(broker, "dev-a", password_a)
    try:
        assert a.wait()
        reading = (
            '{{"device_id":"{d}","boot":1,"seq":{s},"timestamp":1.0e9,"value":21.5,'
            '"unit":"C","location":"stop"}}'
        )
        a.client.publish(
            f"{root}/sensors/temperature/dev-b", reading.format(d="dev-b", s=1), qos=1
        ).wait_for_publish(5)
        a.client.publish(
            f"{root}/sensors/temperature/dev-a", reading.format(d="dev-a", s=1), qos=1
        ).wait_for_publish(5)

        def own_reading_stored() -> bool:
            secured_gateway.wait_idle(1)
            return secured_gateway.readings.count(device_id="dev-a") == 1

        wait_for(own_reading_stored, what="dev-a's own reading")
        assert secured_gateway.readings.count(device_id="dev-b") == 0
    finally:
        a.close()


def test_revoked_device_is_cut_off_and_cannot_return(logins: BrokerLogins, broker) -> None:
    password = logins.add_device("dev-r")
    session = Session(broker, "dev-r", password)
    try:
        assert session.wait()
        logins.revoke_device("dev-r")
        assert session.dropped.wait(5), "the broker kept the revoked device connected"
    finally:
        session.close()
    again = Session(broker, "dev-r", password)
    try:
        assert not again.wait()
    finally:
        again.close()


def test_wrong_admin_password_is_a_clear_error(broker, root) -> None:
    with pytest.raises(BrokerLoginError, match="refused the admin login"):
        BrokerLogins(broker.url, ADMIN_USER, "wrong", root=root, timeout=3).add_device("dev-x")


def test_a_service_login_made_again_takes_the_new_password(logins: BrokerLogins, broker) -> None:
    """An engine restarted on the same broker makes its gateway login again: the login exists,
    and the new password is the one that works."""
    first = logins.add_service("sentinel.gateway.t")
    second = logins.add_service("sentinel.gateway.t")
    stale, fresh = Session(broker, "sentinel.gateway.t", first), None
    try:
        assert not stale.wait()
        fresh = Session(broker, "sentinel.gateway.t", second)
        assert fresh.wait()
    finally:
        stale.close()
        if fresh is not None:
            fresh.close()
