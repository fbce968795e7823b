"""The auth matrix, generated from the app's own OpenAPI document: every protected route x
every credential kind and role. 401/403 bodies are fixed strings, so they carry no data."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import jwt
import pytest

from engine.security.permissions import load_roles
from tests.engine.server.conftest import Served
from tests.engine.services.helpers import API_KEY, CAM_A, CAM_B, ROLES

UNAUTHENTICATED = {"detail": "not authenticated"}
FORBIDDEN = {"detail": "forbidden"}
PUBLIC = {("GET", "/health"), ("GET", "/"), ("POST", "/auth/login"), ("GET", "/metrics")}
# A valid body per route that takes one, so a refusal can only come from the credentials.
BODIES: dict[str, dict[str, Any]] = {
    "/users": {"name": "matrix-user", "password": "matrix-password", "role": "operator"},
    "/device-keys": {"name": "matrix-key"},
    "/auth/login": {"name": "x", "password": "y"},
    "/api/cameras": {"name": "matrix-camera", "source": "rtsp://127.0.0.1:9/matrix"},
    "/api/watchlist": {"text": "MATRIX1", "label": "matrix"},
    "/register": {"device_id": "matrix-device"},
    "/config/{device_id}": {"config": {"fps": 5}},
    "/api/inference": {"filename": "0" * 32 + ".jpg"},
    "/webrtc/offer": {"camera_id": CAM_A, "sdp": "v=0", "type": "offer"},
    "/devices/{device_id}/commands": {"command": "BEEP"},
    "/devices/{device_id}/config": {"beep_ms": 100},
    "/users/{name}/cameras": {"cameras": ["*"]},
}
PATH_VALUES = {
    "event_id": str(uuid.uuid4()),
    "name": "nobody",
    "key_id": str(uuid.uuid4()),
    "camera_id": CAM_A,
    "text": "4XXF538",
    "watch_id": "999999",
    "device_id": "no-such-device",  # fleet.report holders get 404, not 403
    "filename": "0" * 32 + ".jpg",
}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def routes(served: Served) -> list[tuple[str, str, dict[str, Any]]]:
    paths = served.client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path, operation)
        for path, operations in paths.items()
        for method, operation in operations.items()
    ]


def call(served: Served, method: str, path: str, headers: dict[str, str]) -> Any:
    url = path.format(**PATH_VALUES)
    return served.client.request(method, url, headers=headers, json=BODIES.get(path))


def bad_credentials(served: Served) -> dict[str, dict[str, str]]:
    claims = {"sub": str(uuid.uuid4()), "name": "admin", "exp": 4_000_000_000}
    return {
        "none": {},
        "wrong key": {"x-api-key": "snk_000000000000_" + "A" * 43},
        "garbage key": {"x-api-key": "dev-key-123"},
        "revoked key": {"x-api-key": served.revoked_key},
        "expired jwt": {"Authorization": f"Bearer {served.expired_jwt}"},
        "forged jwt (wrong secret)": {
            "Authorization": f"Bearer {jwt.encode(claims, 'w' * 40, algorithm='HS256')}"
        },
        "forged jwt (alg none)": {
            "Authorization": f"Bearer {_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
        },
        "garbage jwt": {"Authorization": "Bearer not-a-jwt"},
    }


def test_every_route_is_public_or_names_its_permission(served: Served) -> None:
    found = routes(served)
    public = {(m, p) for m, p, op in found if op.get("x-public")}
    assert public == PUBLIC
    protected = [(m, p) for m, p, op in found if not op.get("x-public")]
    assert {("GET", "/events"), ("GET", "/audit"), ("POST", "/users")} <= set(protected)
    for method, path, operation in found:
        assert operation.get("x-public") or operation.get("x-permission"), (method, path)


def test_bad_credentials_get_401_and_no_data_on_every_protected_route(served: Served) -> None:
    checked = 0
    for method, path, operation in routes(served):
        if operation.get("x-public"):
            continue
        for kind, headers in bad_credentials(served).items():
            answer = call(served, method, path, headers)
            assert answer.status_code == 401, (method, path, kind, answer.text)
            assert answer.json() == UNAUTHENTICATED, (method, path, kind)
            assert answer.headers["www-authenticate"] == "Bearer"
            checked += 1
    assert checked >= 8 * 9


def _credentials(served: Served) -> dict[str, tuple[str, dict[str, str]]]:
    """principal -> (role, headers), for every role and both device credentials."""
    creds = {r: (r, {"Authorization": f"Bearer {served.tokens[r]}"}) for r in ROLES}
    creds["device key"] = ("device", {"x-api-key": served.device_key})
    creds["API_KEY"] = ("device", {"x-api-key": API_KEY})
    return creds


def test_roles_get_403_exactly_where_the_matrix_says(served: Served) -> None:
    matrix = load_roles()
    outcomes = {"forbidden": 0, "allowed": 0}
    for method, path, operation in routes(served):
        needed = operation.get("x-permission")
        if not needed:
            continue
        for who, (role, headers) in _credentials(served).items():
            answer = call(served, method, path, headers)
            allowed = needed == "authenticated" or needed in matrix.permissions(role)
            if allowed:
                assert answer.status_code not in (401, 403), (method, path, who, answer.text)
                outcomes["allowed"] += 1
            else:
                assert answer.status_code == 403, (method, path, who, answer.text)
                assert answer.json() == FORBIDDEN, (method, path, who)
                outcomes["forbidden"] += 1
    assert outcomes["forbidden"] > 20 and outcomes["allowed"] > 10


def test_other_camera_is_403_with_no_data(served: Served) -> None:
    headers = {"Authorization": f"Bearer {served.tokens['operator']}"}  # sees CAM_A only
    other = served.world.events[CAM_B][0]
    for url in [f"/events/{other.id}", f"/events?camera_id={CAM_B}"]:
        answer = served.client.get(url, headers=headers)
        assert (answer.status_code, answer.json()) == (403, FORBIDDEN), url
    listed = served.client.get("/events", headers=headers).json()
    assert {e["camera_id"] for e in listed} == {CAM_A}
    mine = served.world.events[CAM_A][0]
    assert served.client.get(f"/events/{mine.id}", headers=headers).json()["id"] == str(mine.id)
    assert served.client.get(f"/events/{uuid.uuid4()}", headers=headers).status_code == 404


@pytest.mark.parametrize("path", ["/health", "/", "/openapi.json", "/docs", "/metrics"])
def test_public_routes_need_nothing_and_carry_no_personal_data(served: Served, path: str) -> None:
    answer = served.client.get(path)
    assert answer.status_code == 200
    # Nothing of the world behind it: user names, cameras, events, keys, hashes.
    private = ["operator-b", CAM_A, CAM_B, API_KEY, served.device_key, "$argon2"]
    private += [str(e.id) for events in served.world.events.values() for e in events]
    assert [item for item in private if item in answer.text] == []


def test_me_describes_the_caller(served: Served) -> None:
    headers = {"Authorization": f"Bearer {served.tokens['labeler']}"}
    me = served.client.get("/auth/me", headers=headers).json()
    assert (me["name"], me["role"], me["cameras"]) == ("labeler", "labeler", [CAM_A])
    assert "plates.view" not in me["permissions"]
