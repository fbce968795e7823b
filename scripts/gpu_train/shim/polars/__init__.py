"""Stand-in for polars on the lent GPU machine only (its wheel is 54 MB): ultralytics' trainer
uses it for one thing, reading results.csv back into a dict of columns."""

from __future__ import annotations

import csv
import io
from pathlib import Path


class _Frame:
    def __init__(self, rows: list[dict[str, str]]) -> None:
        self._rows = rows

    def to_dict(self, as_series: bool = False) -> dict[str, list]:
        keys = self._rows[0].keys() if self._rows else []
        return {key: [_number(row[key]) for row in self._rows] for key in keys}


def _number(value: str) -> float | str:
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def read_csv(data: bytes | str, infer_schema_length: int | None = None, **_: object) -> _Frame:
    text = data.decode() if isinstance(data, bytes) else Path(data).read_text(encoding="utf-8")
    return _Frame(list(csv.DictReader(io.StringIO(text))))
