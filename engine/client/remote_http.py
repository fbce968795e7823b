"""RemoteHttp: REST calls to one remote engine as one user, with the services' errors.

An answer's HTTP status becomes the engine.services error the in-process client raises for the
same refusal (401 InvalidCredentials, 403 AccessDenied, 404 NotFound, 409 Conflict, 400/422
InvalidInput, 503 Unavailable...), so callers handle one set of errors whichever client they
hold. A host that cannot be reached is Unavailable, naming the address. An expired token (8 h
by default) is replaced by logging in again, once per refused call.
"""

from __future__ import annotations

import ssl
import threading
from typing import Any

import httpx

from engine.client.remote import login
from engine.services.errors import (
    AccessDenied,
    Conflict,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    ServiceError,
    Unavailable,
    UnsupportedMedia,
)

_ERRORS: dict[int, type[ServiceError]] = {
    400: InvalidInput,
    401: InvalidCredentials,
    403: AccessDenied,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMedia,
    422: InvalidInput,
    429: Unavailable,  # rate limited: nothing was done, try again later
    503: Unavailable,
}
# Their message says why (which field, which collaborator); the others keep their fixed text.
_EXPLAINED = (InvalidInput, PayloadTooLarge, UnsupportedMedia, Unavailable)
_LOCATIONS = ("body", "query", "path", "header")


def error_of(answer: httpx.Response) -> ServiceError:
    """The service error an error answer stands for (ServiceError for an unexpected status)."""
    kind = _ERRORS.get(answer.status_code, ServiceError)
    if not issubclass(kind, _EXPLAINED):
        return kind()
    return kind(_detail(answer) or f"HTTP {answer.status_code}")


def _detail(answer: httpx.Response) -> str | None:
    """The server's `detail`: a service's own text, or the first of FastAPI's validation
    errors as 'field: message' (as the in-process client words it)."""
    try:
        detail = answer.json().get("detail")
    except (ValueError, AttributeError):
        return None
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        first = detail[0]
        where = [str(part) for part in first.get("loc", ())]
        if where and where[0] in _LOCATIONS:
            where = where[1:]
        return f"{'.'.join(where)}: {first.get('msg', 'invalid')}" if where else first.get("msg")
    return None


def unreachable(base_url: str, exc: Exception) -> Unavailable:
    return Unavailable(f"cannot reach the engine at {base_url}: {exc or type(exc).__name__}")


def sign_in(base_url: str, name: str, password: str, verify: ssl.SSLContext | bool) -> str:
    """A bearer token; InvalidCredentials for a refused login, Unavailable when unreachable."""
    try:
        return login(base_url, name, password, verify=verify)
    except httpx.HTTPStatusError as exc:
        raise error_of(exc.response) from None
    except httpx.TransportError as exc:
        raise unreachable(base_url, exc) from None


class RemoteHttp:
    """One logged-in user's REST session with one engine (thread-safe, like httpx.Client)."""

    def __init__(
        self,
        base_url: str,
        name: str,
        password: str,
        *,
        verify: ssl.SSLContext | bool = True,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.verify = verify
        self._credentials = (name, password)
        self._lock = threading.Lock()
        self.token = sign_in(self.base_url, name, password, verify)
        self._http = httpx.Client(base_url=self.base_url, verify=verify, timeout=timeout)

    def refresh(self) -> str:
        """Log in again (the token expired); InvalidCredentials if the user may no longer."""
        with self._lock:
            self.token = sign_in(self.base_url, *self._credentials, self.verify)
            return self.token

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """The answer of a 2xx; raises the service error of anything else."""
        answer = self._send(method, path, params, json)
        if answer.status_code == 401:
            self.refresh()
            answer = self._send(method, path, params, json)
        if answer.status_code >= 400:
            raise error_of(answer)
        return answer

    def _send(
        self, method: str, path: str, params: dict[str, Any] | None, json: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            return self._http.request(method, path, params=params, json=json, headers=headers)
        except httpx.TransportError as exc:
            raise unreachable(self.base_url, exc) from None

    def close(self) -> None:
        self._http.close()
