"""BrokerLogins: MQTT credentials of devices and services on a broker with Mosquitto's
dynamic-security plugin, managed over its control topic as `mosquitto_ctrl` does.

A device gets a login named after its device id and a role of its own whose ACLs name its own
topics only: it publishes its sensors, camera events, status and acks, and subscribes to its
commands and config; everything else is denied by the plugin's defaults. Revoking deletes the
login, and the broker disconnects a device still connected with it.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import uuid
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from engine.devices.gateway import parse_broker

CONTROL = "$CONTROL/dynamic-security/v1"
DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what the firmware accepts (config.h)


class BrokerLoginError(RuntimeError):
    """The broker refused a command or did not answer."""


def device_acls(root: str, device_id: str) -> list[dict[str, Any]]:
    """A device's own topics (the firmware's topic table, firmware/esp32/README.md)."""
    sends = [
        f"{root}/sensors/+/{device_id}",
        f"{root}/camera/{device_id}",
        f"{root}/status/{device_id}",
        f"{root}/ack/{device_id}",
    ]
    receives = [f"{root}/command/{device_id}", f"{root}/config/{device_id}"]
    return [{"acltype": "publishClientSend", "topic": t, "allow": True} for t in sends] + [
        {"acltype": "subscribePattern", "topic": t, "allow": True} for t in receives
    ]


def gateway_acls(root: str) -> list[dict[str, Any]]:
    """The engine's gateway: reads everything under the root, sends commands and configs."""
    return [
        {"acltype": "subscribePattern", "topic": f"{root}/#", "allow": True},
        {"acltype": "publishClientSend", "topic": f"{root}/command/+", "allow": True},
        {"acltype": "publishClientSend", "topic": f"{root}/config/+", "allow": True},
    ]


class BrokerLogins:
    def __init__(
        self,
        broker: str,
        admin_user: str,
        admin_password: str,
        *,
        root: str = "smartstop",
        timeout: float = 10.0,
    ) -> None:
        self._host, self._port = parse_broker(broker)
        self._admin = (admin_user, admin_password)
        self.root = root
        self._timeout = timeout
        self._lock = threading.Lock()

    # devices ---------------------------------------------------------------------------------
    def add_device(self, device_id: str) -> str:
        """Create the device's login and role; returns its new password (shown once)."""
        if not DEVICE_ID.match(device_id):
            raise ValueError(f"device id must match {DEVICE_ID.pattern}: {device_id!r}")
        password = secrets.token_urlsafe(18)
        role = f"device-{self.root}-{device_id}"
        acls = device_acls(self.root, device_id)
        self._run(
            [
                {"command": "createRole", "rolename": role, "acls": acls},
                {
                    "command": "createClient",
                    "username": device_id,
                    "password": password,
                    "roles": [{"rolename": role}],
                },
            ]
        )
        return password

    def revoke_device(self, device_id: str) -> None:
        """Delete the login (the broker disconnects it) and its role."""
        self._run(
            [
                {"command": "deleteClient", "username": device_id},
                {"command": "deleteRole", "rolename": f"device-{self.root}-{device_id}"},
            ]
        )

    def add_service(self, username: str) -> str:
        """A gateway login for this root; returns its password. A login of that name made by
        an earlier run gets this new password (an engine keeps no MQTT secret across runs)."""
        password = secrets.token_urlsafe(18)
        role = f"gateway-{self.root}"
        self._run(
            [
                {"command": "createRole", "rolename": role, "acls": gateway_acls(self.root)},
                {
                    "command": "createClient",
                    "username": username,
                    "password": password,
                    "roles": [{"rolename": role}],
                },
                {"command": "setClientPassword", "username": username, "password": password},
            ],
            tolerate=("Role already exists", "Client already exists"),
        )
        return password

    # the control topic ----------------------------------------------------------------------
    def _run(self, commands: list[dict[str, Any]], tolerate: tuple[str, ...] = ()) -> None:
        with self._lock:
            responses = self._exchange(commands)
        errors = [
            f"{r.get('command')}: {r['error']}"
            for r in responses
            if r.get("error") and r["error"] not in tolerate
        ]
        if errors:
            raise BrokerLoginError("; ".join(errors))

    def _exchange(self, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
        answered = threading.Event()
        ready = threading.Event()
        result: dict[str, Any] = {}
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"sentinel-logins-{uuid.uuid4().hex[:8]}"
        )
        client.username_pw_set(*self._admin)

        def on_connect(c, _u, _f, reason_code, _p) -> None:
            if reason_code.is_failure:
                result["refused"] = str(reason_code)
                answered.set()
                return
            c.subscribe(f"{CONTROL}/response", qos=1)

        def on_message(_c, _u, message) -> None:
            result["responses"] = json.loads(message.payload).get("responses", [])
            answered.set()

        client.on_connect = on_connect
        client.on_subscribe = lambda *_: ready.set()
        client.on_message = on_message
        try:
            client.connect(self._host, self._port, keepalive=30)
        except OSError as exc:
            raise BrokerLoginError(f"cannot reach the broker at {self._host}:{self._port}") from exc
        client.loop_start()
        try:
            if not ready.wait(self._timeout) and "refused" not in result:
                raise BrokerLoginError("the broker did not accept the admin subscription")
            if "refused" not in result:
                payload = json.dumps({"commands": commands})
                client.publish(CONTROL, payload, qos=1).wait_for_publish(self._timeout)
                if not answered.wait(self._timeout):
                    raise BrokerLoginError("the broker did not answer the login command")
        finally:
            client.disconnect()
            client.loop_stop()
        if "refused" in result:
            raise BrokerLoginError(f"the broker refused the admin login: {result['refused']}")
        return list(result.get("responses", []))
