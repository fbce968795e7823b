"""No plate text in log records, whatever carries it: the message, its arguments, extra fields,
an exception's traceback, uvicorn's access log line. The masked form is what remains."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from engine.security.log_redaction import PlateTextFilter, install_log_redaction

PLATE = "4XXF538"
MASKED = "4X•••38"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog with the filter on its handler (taken off again: pytest reuses the handler)."""
    found = PlateTextFilter()
    caplog.handler.addFilter(found)
    caplog.set_level(logging.DEBUG)
    try:
        yield caplog
    finally:
        caplog.handler.removeFilter(found)


def _raise_with_plate() -> None:
    raise ValueError(f"(sqlite3.IntegrityError) [parameters: ('{PLATE}', 'cam-a')]")


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR])
def test_every_level_and_every_part_of_a_record_is_masked(logs, level: int) -> None:
    log = logging.getLogger("engine.test_redaction")
    log.log(level, f"plate {PLATE} read")
    log.log(level, "camera %s read %s with %d frames", "cam-a", PLATE, 12)
    log.log(level, "event %r", {"text": PLATE.lower(), "plates": {3: "MH12AB1234"}})
    log.log(level, "stored", extra={"plate_text": "anything-at-all", "note": f"saw {PLATE}"})
    try:
        _raise_with_plate()
    except ValueError:
        log.log(level, "write failed", exc_info=True)

    text = logs.text
    assert PLATE not in text and PLATE.lower() not in text and "MH12AB1234" not in text
    assert MASKED in text and "4x•••38" in text and "MH•••34" in text
    assert "with 12 frames" in text and "cam-a" in text  # the rest of the message is kept
    assert "Traceback" in text and "IntegrityError" in text
    extras = logs.records[3]
    assert extras.plate_text == "an•••ll" and extras.note == f"saw {MASKED}"  # type: ignore[attr-defined]


def test_uvicorn_access_log_keeps_its_arguments_and_masks_plate_paths(logs) -> None:
    from uvicorn.logging import AccessFormatter

    # not under "uvicorn.access": a uvicorn started earlier in the run stops that from propagating
    access = logging.getLogger("engine.test_redaction.access")
    access.info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/events/plate/4xxf538?fuzzy=1",
        "1.1", 200,
    )  # fmt: skip
    access.info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/api/events?plate=4XX%20F538",
        "1.1", 200,
    )  # fmt: skip
    formatter = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s')
    lines = [formatter.format(record) for record in logs.records]
    assert lines == [
        '127.0.0.1:5000 - "GET /events/plate/4x•••38?fuzzy=1 HTTP/1.1" 200 OK',
        '127.0.0.1:5000 - "GET /api/events?plate=4X•••38 HTTP/1.1" 200 OK',
    ]


@pytest.mark.parametrize(
    "message",
    [
        "event 5f3a9b2c-4e1b-4c2d-9a8b-123456789abc stored",
        "model yolo11n_vehicles_320.onnx has a fixed input of 320 px",
        "replayed spooled events at 2026-01-10T12:00:00+00:00",
        "viewer of camera 3 fell behind; skipping to a keyframe",
    ],
)
def test_ordinary_messages_pass_unchanged(logs, message: str) -> None:
    logging.getLogger("engine.test_redaction").warning(message)
    assert logs.records[0].getMessage() == message


@pytest.mark.parametrize("plate", ["KA01AB1234", "ABC-1234", "京A12345", "AB12CDE", "1234BCD"])
def test_plate_formats_of_every_region_are_masked(logs, plate: str) -> None:
    logging.getLogger("engine.test_redaction").warning("watchlist hit %s", plate)
    message = logs.records[0].getMessage()
    assert plate not in message and "•••" in message


def test_install_reaches_handlers_of_root_and_of_libraries() -> None:
    own = logging.getLogger("test_redaction.library")
    handler = logging.StreamHandler()
    own.addHandler(handler)
    root_handler = logging.NullHandler()
    logging.getLogger().addHandler(root_handler)
    try:
        installed = install_log_redaction()
        assert installed in handler.filters and installed in root_handler.filters
        install_log_redaction()  # a second call adds nothing
        assert handler.filters.count(installed) == 1
    finally:
        own.removeHandler(handler)
        logging.getLogger().removeHandler(root_handler)
        # pytest's own handlers got it too: leave them as they were for the other tests.
        loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
        handlers = [h for lg in loggers if isinstance(lg, logging.Logger) for h in lg.handlers]
        for found in [handler, root_handler, logging.lastResort, *handlers]:
            if found is not None:
                found.removeFilter(installed)
