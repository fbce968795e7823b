"""Writes the generated section of docs/contracts.md from the models it documents.

    python scripts/gen_contracts.py           # rewrite the section between the markers
    python scripts/gen_contracts.py --check   # exit 1 when the committed doc is out of date

Sources: the pydantic boundary models (JSON schema), `Detections.to_records` called on a sample,
the SQLAlchemy `Base.metadata` and the pydantic-settings root. Everything outside the markers is
written by hand and left alone.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql, sqlite

from engine.client.protocol import EventQuery
from engine.config.settings import Settings
from engine.devices import payloads as device_payloads
from engine.domain import NO_TRACK, Camera, CameraStatus, Detections, DetectionSettings, Event
from engine.domain.plate import PlateEvent, PlateRead
from engine.services import schemas_fleet as fleet_schemas
from engine.storage.models import Base

DOC = Path(__file__).resolve().parent.parent / "docs" / "contracts.md"
BEGIN = "<!-- BEGIN GENERATED -->"
END = "<!-- END GENERATED -->"

Schema = dict[str, Any]


class DetectLine(BaseModel):
    """One line of `sentinel-engine detect --jsonl`, one per decoded frame. The CLI writes a
    plain dict; this model, in scripts/gen_contracts.py, only documents it (a test checks a
    real line against it)."""

    frame: int = Field(description="decode index since the source opened; counts on across loops")
    pts: float = Field(description="source presentation time in seconds, rounded to 6 decimals")
    analysed: bool = Field(
        description="true: the detector ran on this frame; false: boxes are the tracker's "
        "prediction at this pts (`--stride`, `--motion-gate`)"
    )
    detections: list[dict[str, Any]] = Field(
        description="one [detection record](#detection-record-detectionsto_records) per box"
    )


# One line per key of Detections.to_records; a key added or dropped there fails the generator.
RECORD_KEYS: dict[str, str] = {
    "class": "class name from the model (COCO names: `car` stays `car`); the id as text if the "
    "model has no name for it. Seed 002 `class`; `Event.class_name`",
    "class_id": "model class index (COCO 80: car = 2)",
    "score": "detection score 0..1, rounded to 4 decimals (seed `confidence`)",
    "box": "x1, y1, x2, y2 in source pixels, rounded to 0.1 px (seed 002 `bbox` was x, y, w, h)",
    "track_id": "tracker id, stable for one object within one run; `null` when untracked",
}
SAMPLE_DETECTIONS = Detections(
    xyxy=np.array([[100.04, 200.0, 300.0, 400.0], [12.3, 40.0, 80.0, 95.55]]),
    score=np.array([0.95123, 0.4]),
    class_id=np.array([2, 7]),
    track_id=np.array([42, NO_TRACK]),
)
SAMPLE_NAMES = {2: "car", 7: "truck"}

BOUNDARY_MODELS: list[tuple[type[BaseModel], str]] = [
    (Event, "engine.domain.event"),
    (Camera, "engine.domain.camera"),
    (DetectionSettings, "engine.domain.camera"),
    (CameraStatus, "engine.domain.camera"),
    (EventQuery, "engine.client.protocol"),
    (DetectLine, "engine.cli.detect"),
    (PlateEvent, "engine.domain.plate"),
    (PlateRead, "engine.domain.plate"),
    *(
        (getattr(device_payloads, name), "engine.devices.payloads")
        for name in (
            "SensorReading",
            "CameraEvent",
            "DeviceStatus",
            "DeviceWill",
            "CommandAck",
            "DeviceCommand",
            "DeviceConfigPatch",
        )
    ),
    *(
        (getattr(fleet_schemas, name), "engine.services.schemas_fleet")
        for name in (
            "DeviceRegister",
            "DeviceRegistered",
            "Heartbeat",
            "HeartbeatAck",
            "DeviceConfigUpdate",
            "DeviceConfigPublic",
            "DevicePublic",
            "ReadingPublic",
            "ImagePublic",
            "ImageUploaded",
            "InferenceRequest",
        )
    ),
]


def cell(text: str) -> str:
    """A markdown table cell: no newlines, no bare pipes."""
    return " ".join(text.split()).replace("|", "\\|")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


def type_name(prop: Schema, defs: Schema) -> str:
    """A JSON-schema property as a short type expression ('string (uuid)', 'number or null')."""
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        target = defs[name]
        if "enum" in target:
            return "one of (" + ", ".join(f"`{value}`" for value in target["enum"]) + ")"
        return f"object [{name}](#{name.lower()})"
    if "anyOf" in prop:
        return " or ".join(type_name(option, defs) for option in prop["anyOf"])
    kind = prop.get("type", "any")
    if kind == "array" and "prefixItems" in prop:
        return "[" + ", ".join(type_name(item, defs) for item in prop["prefixItems"]) + "]"
    if kind == "array":
        return "array of " + type_name(prop.get("items", {}), defs)
    if "format" in prop:
        return f"{kind} ({prop['format']})"
    return str(kind)


def factory_default(factory: Callable[..., Any]) -> str:
    """A plain JSON value (a list of class names) is shown; anything else (a uuid, the clock, a
    home-directory path, a nested model) is named, so the doc never depends on machine or time."""
    try:
        return json.dumps(factory())
    except TypeError:
        return f"{getattr(factory, '__name__', 'factory')}()"


def describe(prop: Schema, factory: Callable[..., Any] | None) -> str:
    """Description, then default and bounds, from the schema."""
    parts = [prop["description"].rstrip(".")] if "description" in prop else []
    if "default" in prop:
        parts.append(f"default `{json.dumps(prop['default'])}`")
    elif factory is not None:
        parts.append(f"default `{factory_default(factory)}`")
    bounds = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
    parts += [f"{sign} {prop[key]}" for key, sign in bounds.items() if key in prop]
    return "; ".join(parts)


def model_section(model: type[BaseModel], where: str) -> list[str]:
    schema = model.model_json_schema()
    defs, required = schema.get("$defs", {}), set(schema.get("required", []))
    rows = []
    for name, prop in schema["properties"].items():
        factory = model.model_fields[name].default_factory
        rows.append(
            [
                f"`{name}`",
                type_name(prop, defs),
                "yes" if name in required else "no",
                describe(prop, factory),
            ]
        )
    doc = " ".join(schema.get("description", "").split())
    lines = [f"### {model.__name__}", "", f"`{where}`" + (f": {doc}" if doc else ""), ""]
    return lines + table(["field", "type", "required", "description"], rows) + [""]


def json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, list):
        return "[" + ", ".join(json_kind(item) for item in value) + "]"
    return {int: "integer", float: "number", str: "string"}.get(type(value), type(value).__name__)


def records_section() -> list[str]:
    tracked, untracked = SAMPLE_DETECTIONS.to_records(SAMPLE_NAMES)
    if set(tracked) != set(RECORD_KEYS):
        raise SystemExit(
            f"Detections.to_records keys {sorted(tracked)} differ from RECORD_KEYS "
            f"{sorted(RECORD_KEYS)}: describe the change in scripts/gen_contracts.py"
        )
    rows = []
    for key in tracked:
        kinds = dict.fromkeys([json_kind(tracked[key]), json_kind(untracked[key])])
        rows.append(
            [f"`{key}`", " or ".join(kinds), f"`{json.dumps(tracked[key])}`", RECORD_KEYS[key]]
        )
    return [
        "### Detection record (`Detections.to_records`)",
        "",
        "`engine.domain.detections`: the keys and values below come from calling `to_records` "
        "on a two-row sample (a tracked car, an untracked truck).",
        "",
        *table(["key", "JSON type", "example", "description"], rows),
        "",
    ]


def column_default(column: Column[Any]) -> str:
    default = column.default
    if default is None:
        return ""
    arg = getattr(default, "arg", None)
    if callable(arg):
        return f"`{getattr(arg, '__name__', 'callable').lstrip('_')}()`"
    return f"`{json.dumps(arg)}`"


def table_docs() -> dict[str, str]:
    """Each table's mapped class docstring, by table name."""
    docs = {}
    for mapper in Base.registry.mappers:
        doc = " ".join((mapper.class_.__doc__ or "").split())
        docs[mapper.class_.__tablename__] = f"`{mapper.class_.__name__}`" + (
            f": {doc}" if doc else ""
        )
    return docs


def table_section(sql_table: Table, doc: str) -> list[str]:
    indexes = sorted(sql_table.indexes, key=lambda index: index.name or "")
    rows = []
    for column in sql_table.columns:
        keys = ["PK"] if column.primary_key else []
        keys += [f"`{index.name}`" for index in indexes if column.name in index.columns]
        rows.append(
            [
                f"`{column.name}`",
                column.type.compile(dialect=postgresql.dialect()),
                column.type.compile(dialect=sqlite.dialect()),
                "yes" if column.nullable else "no",
                column_default(column),
                ", ".join(keys),
            ]
        )
    header = ["column", "PostgreSQL type", "SQLite type", "nullable", "default", "PK / index"]
    lines = [f"### Table `{sql_table.name}`", "", doc, "", *table(header, rows), ""]
    for index in indexes:
        columns = ", ".join(f"`{column.name}`" for column in index.columns)
        unique = "unique " if index.unique else ""
        lines.append(f"- {unique}index `{index.name}` on ({columns})")
    return lines + ([""] if indexes else [])


def settings_rows(
    schema: Schema, defs: Schema, prefix: str, model: type[BaseModel]
) -> Iterator[list[str]]:
    by_alias = {field.alias or name: name for name, field in model.model_fields.items()}
    for key, prop in schema["properties"].items():
        name = by_alias.get(key, key)
        annotation = model.model_fields[name].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            section = defs[prop["$ref"].rsplit("/", 1)[-1]]
            yield from settings_rows(section, defs, f"{prefix}{name.upper()}__", annotation)
            continue
        factory = model.model_fields[name].default_factory
        yield [
            f"`{prefix}{key.upper()}`",
            type_name(prop, defs),
            describe(prop, factory),
        ]


def settings_section() -> list[str]:
    schema = Settings.model_json_schema()
    rows = list(settings_rows(schema, schema.get("$defs", {}), "", Settings))
    return [
        "### Environment variables (`engine.config.settings.Settings`)",
        "",
        "Read from the environment or a `.env` file; names are case-insensitive, sections nest "
        "with `__`.",
        "",
        *table(["variable", "type", "description, default, bounds"], rows),
        "",
    ]


def generate() -> str:
    lines = [
        BEGIN,
        "<!-- Written by scripts/gen_contracts.py from the models: edit the models, then run "
        "`python scripts/gen_contracts.py`. -->",
        "",
        "## 2. Generated contracts",
        "",
    ]
    for model, where in BOUNDARY_MODELS:
        lines += model_section(model, where)
    lines += records_section()
    docs = table_docs()
    for sql_table in sorted(Base.metadata.tables.values(), key=lambda t: t.name):
        lines += table_section(sql_table, docs.get(sql_table.name, ""))
    lines += settings_section()
    return "\n".join([*lines, END])


def splice(document: str, section: str) -> str:
    start, stop = document.find(BEGIN), document.find(END)
    if start < 0 or stop < start:
        raise SystemExit(f"markers {BEGIN} / {END} not found in order")
    return document[:start] + section + document[stop + len(END) :]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the doc is out of date")
    parser.add_argument("--doc", type=Path, default=DOC, help="document to update or check")
    args = parser.parse_args(argv)
    current = args.doc.read_text(encoding="utf-8")
    wanted = splice(current, generate())
    if not args.check:
        if wanted != current:
            args.doc.write_text(wanted, encoding="utf-8")
        return 0
    if wanted == current:
        return 0
    diff = difflib.unified_diff(
        current.splitlines(), wanted.splitlines(), "committed", "generated", lineterm="", n=1
    )
    sys.stderr.write("\n".join(list(diff)[:60]) + "\n")
    sys.stderr.write(f"{args.doc} is out of date: run python scripts/gen_contracts.py\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
