"""PlateTextFilter: plate text never reaches a log line, at any level, through any handler.

Plate text is personal data: the services mask it by role, and logs have no role to mask by,
so they never carry it. A record is scrubbed in three places:

- values named like a plate (`plate`, `plate_text`, `text`, `raw_text`, pydantic's
  `input_value`...) in the message, its arguments or its extra fields: masked whatever they
  look like, so `GET /events/plate/4xxf538` (uvicorn's access log) shows `4x•••38`;
- plate-shaped words anywhere: 4 to 10 uppercase letters and digits with both kinds in them,
  optionally split by one space or hyphen (`4XXF538`, `MH12AB1234`, `ABC 1234`, `京A12345`),
  which is how the reader writes plates; lowercase words (uuids, hex keys, file names), ISO
  times and runs beside a word of four letters or more ("HTTP 404") stay. Not caught outside
  a plate key: lowercase plate text (the reader writes uppercase) and all-digit plates (a US
  "123456" cannot be told from a number);
- the traceback of a logged exception (a database error quoting its SQL parameters).

`install_log_redaction` puts the filter on every handler that exists when it runs; the entry
points (`sentinel-engine`, `sentinel-console`, a camera process) call it after configuring
logging, and `serve` again once uvicorn has made its own handlers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from engine.security.policy import mask

# Keys whose value is plate text (or, for input_value, whatever a caller sent).
PLATE_KEYS = frozenset(
    {
        "plate",
        "plates",
        "plate_text",
        "plate_normalized",
        "plate_normalized_text",
        "text",
        "raw",
        "raw_text",
        "input_value",
    }
)
_KEY_NAMES = "|".join(sorted(PLATE_KEYS, key=len, reverse=True))
# key, then `=`, `:` or `/` (a quote and spaces around it), then the value: a quoted string
# up to its closing quote, or a bare word up to a delimiter.
_KEYED_VALUE = re.compile(
    rf"(?<![A-Za-z0-9_])((?:{_KEY_NAMES})['\"]?\s*[:=/]\s*)"
    r"(?:(['\"])(?P<quoted>[^'\"]*)\2|(?P<bare>[^\s'\"&,;?#(){}\[\]]+))",
    re.IGNORECASE,
)
_CJK = "\u4e00-\u9fff"
_GROUP = rf"[A-Z0-9{_CJK}]+"
# Uppercase letters/digits (and CJK province glyphs), groups joined by one space or hyphen;
# an ISO date-time ("2026-01-10T12:00") is matched first so that it stays as it is.
_RUN = re.compile(
    r"(?P<iso>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})"
    rf"|(?<![A-Za-z0-9_{_CJK}]){_GROUP}(?:[ -]{_GROUP})*(?![A-Za-z0-9_{_CJK}])"
)
_SEPARATOR = re.compile(r"[ -]")
MIN_PLATE, MAX_PLATE = 4, 10
# LogRecord's own attributes: anything else on a record came in through `extra=`.
_SCRUBBED = "_plate_text_scrubbed"
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    _SCRUBBED,
}


def _plate_shaped(text: str) -> bool:
    letters = sum(1 for c in text if not c.isdigit())
    digits = len(text) - letters
    return MIN_PLATE <= len(text) <= MAX_PLATE and letters > 0 and digits > 0


def _mask_run(found: re.Match[str]) -> str:
    run = found.group(0)
    if found.group("iso"):
        return run
    words = run.split(" ")
    # Words joined by spaces are one plate ("ABC 1234", "B MW 1234") unless one of them is a
    # word of four or more letters ("HTTP 404", "SEEN 4XXF538 AT GATE"): then each is judged.
    joinable = not any(word.isalpha() and len(word) > 3 for word in words)
    if joinable and _plate_shaped(_SEPARATOR.sub("", run)):
        return mask(run)
    return " ".join(mask(w) if _plate_shaped(w.replace("-", "")) else w for w in words)


def _mask_keyed(found: re.Match[str]) -> str:
    quote = found.group(2)
    if quote:
        return f"{found.group(1)}{quote}{mask(found.group('quoted'))}{quote}"
    return found.group(1) + mask(found.group("bare"))


def scrub(text: str) -> str:
    """`text` with every plate-named value and plate-shaped word masked like '4X•••38'."""
    text = _KEYED_VALUE.sub(_mask_keyed, text)
    return _RUN.sub(_mask_run, text)


def scrub_value(value: Any, key: str | None = None) -> Any:
    """A log argument or extra field, scrubbed. Under a plate key every value is masked whole
    (in a mapping or list too: `plates={3: "4XXF538"}`); elsewhere numbers and None stay as
    they are, so format specs like %d still apply to them."""
    plate_key = key is not None and key.lower() in PLATE_KEYS
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Mapping):
        return {k: scrub_value(v, key if plate_key else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_value(v, key) for v in value]
    if type(value) is tuple:  # a named tuple keeps its type: it is scrubbed as text below
        return tuple(scrub_value(v, key) for v in value)
    if plate_key:
        return mask(str(value))
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return scrub(value)
    shown = str(value)
    cleaned = scrub(shown)
    return value if cleaned == shown else cleaned


class PlateTextFilter(logging.Filter):
    """Rewrites a record so that no plate text is left in it; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _SCRUBBED, False):  # a record goes through every handler
            return True
        self._scrub_message(record)
        for name, value in list(vars(record).items()):
            if name not in _RECORD_FIELDS:
                setattr(record, name, scrub_value(value, name))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        setattr(record, _SCRUBBED, True)
        return True

    @staticmethod
    def _scrub_message(record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it; replace it with a safe one
            record.msg, record.args = scrub(str(record.msg)), None
            return
        cleaned = scrub(message)
        if cleaned == message:
            return
        # Keep msg and args apart where scrubbing them one by one is enough: formatters such
        # as uvicorn's access log read the arguments themselves.
        if isinstance(record.msg, str) and record.args:
            args = record.args
            scrubbed_args = (
                {k: scrub_value(v, str(k)) for k, v in args.items()}
                if isinstance(args, Mapping)
                else tuple(scrub_value(v) for v in args)
            )
            try:
                rebuilt = scrub(record.msg) % scrubbed_args
            except (TypeError, ValueError, KeyError):
                rebuilt = None
            if rebuilt is not None and scrub(rebuilt) == rebuilt:
                record.msg, record.args = scrub(record.msg), scrubbed_args
                return
        record.msg, record.args = cleaned, None


def install_log_redaction(*logger_names: str) -> PlateTextFilter:
    """Put one PlateTextFilter on every handler of the root logger, of every logger that has
    handlers of its own (uvicorn's, a library's) and of `logging.lastResort`. Idempotent; call
    it again after something adds handlers."""
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [logging.getLogger(name) for name in logger_names]
    loggers += [
        found
        for found in list(logging.Logger.manager.loggerDict.values())
        if isinstance(found, logging.Logger) and found.handlers
    ]
    handlers: list[logging.Handler] = [h for log in loggers for h in log.handlers]
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    installed = _FILTER
    for handler in handlers:
        if not any(isinstance(f, PlateTextFilter) for f in handler.filters):
            handler.addFilter(installed)
    return installed


_FILTER = PlateTextFilter()
