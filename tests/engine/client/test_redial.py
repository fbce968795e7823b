"""Redialled's rules on a stream that is lost: it is opened again after failed tries, an answer
that cannot change (access denied) ends the retries, an expired token is renewed once, and a
cancel stops everything, also mid-redial."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from engine.client.redial import Redialled
from engine.services.errors import AccessDenied, InvalidCredentials


class Stream:
    def __init__(self, on_lost: Callable[[], None]) -> None:
        self.on_lost = on_lost
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def lose(self) -> None:  # the server went away: the stream's own thread reports it
        threading.Thread(target=self.on_lost).start()


class Server:
    """Answers each open with the next outcome: a Stream, or an exception to raise."""

    def __init__(self, *outcomes: object) -> None:
        self.outcomes = list(outcomes)
        self.opened: list[Stream] = []
        self.tries = 0

    def open(self, on_lost: Callable[[], None]) -> Stream:
        self.tries += 1
        outcome = self.outcomes.pop(0) if self.outcomes else "stream"
        if isinstance(outcome, BaseException):
            raise outcome
        stream = Stream(on_lost)
        self.opened.append(stream)
        return stream


def settle(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def redialled(server: Server, **kwargs: object) -> Redialled:
    return Redialled(server.open, first_s=0.01, max_s=0.02, **kwargs)  # type: ignore[arg-type]


def test_a_lost_stream_is_opened_again_after_failed_tries() -> None:
    server = Server("stream", OSError("refused"), TimeoutError(), "stream")
    stream = redialled(server)
    server.opened[0].lose()
    assert settle(lambda: stream.redials == 1)
    assert server.tries == 4 and len(server.opened) == 2
    server.opened[1].lose()  # and again, as often as it is lost
    assert settle(lambda: stream.redials == 2)
    stream.cancel()
    assert server.opened[2].cancelled


def test_the_first_open_raises_what_refused_it() -> None:
    with pytest.raises(InvalidCredentials):
        redialled(Server(InvalidCredentials()))


def test_access_denied_ends_the_retries() -> None:
    server = Server("stream", AccessDenied())
    stream = redialled(server)
    server.opened[0].lose()
    time.sleep(0.3)
    assert (server.tries, stream.redials) == (2, 0)
    stream.cancel()


def test_an_expired_token_is_renewed_and_the_stream_opened() -> None:
    renewed: list[bool] = []
    server = Server("stream", InvalidCredentials(), "stream")
    stream = redialled(server, relogin=lambda: renewed.append(True))
    server.opened[0].lose()
    assert settle(lambda: stream.redials == 1)
    assert renewed == [True]
    stream.cancel()


def test_cancel_stops_the_retries_and_a_late_stream_is_closed() -> None:
    server = Server("stream", *[OSError("down")] * 1000)
    stream = redialled(server)
    server.opened[0].lose()
    assert settle(lambda: server.tries > 3)
    stream.cancel()
    tries = server.tries
    time.sleep(0.2)
    assert server.tries == tries  # no more tries once cancelled
    assert stream.redials == 0

    # A cancel while a try is opening: the stream it opens is closed, not kept.
    opening, release = threading.Event(), threading.Event()
    slow = Server()

    def slow_open(on_lost: Callable[[], None]) -> Stream:
        if slow.opened:
            opening.set()
            release.wait(5)
        return slow.open(on_lost)

    stream = Redialled(slow_open, first_s=0.01)
    slow.opened[0].lose()
    assert opening.wait(5)
    canceller = threading.Thread(target=stream.cancel)
    canceller.start()
    time.sleep(0.05)
    release.set()
    canceller.join(5)
    assert settle(lambda: len(slow.opened) == 2 and slow.opened[1].cancelled)
    assert stream.redials == 0
