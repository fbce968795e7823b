"""docs/contracts.md stays true: its generated section matches the models, and its hand-written
sections name every Event and Camera field and map every endpoint, topic, table and env var of
the seeds. Each check has a twin that feeds it a broken document and expects it to notice."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from types import ModuleType

import pytest
from pydantic import BaseModel

from engine.domain import Camera, Event
from tests.helpers import ROOT, STREET_SHORT

DOC = ROOT / "docs" / "contracts.md"
GENERATOR = ROOT / "scripts" / "gen_contracts.py"
# The seeds live beside the checkout (shared/seeds); SEED_ENDPOINTS below is what they held,
# so the mapping is checked on any machine and re-checked against the seeds where they exist.
SEEDS_DIR = ROOT / "docs" / "seeds"
ENDPOINT = re.compile(r"\b(GET|POST|PUT|DELETE)\s+(/[\w/{}<>\-.]*)")

SEED_ENDPOINTS: dict[str, list[str]] = {
    "000": [
        "GET /",
        "GET /analytics/counts",
        "GET /analytics/last24h",
        "GET /events",
        "GET /health",
        "GET /metrics",
        "POST /ingest",
        "POST /ingest/message",
        "POST /upload",
    ],
    "001": [
        "GET /",
        "GET /analytics/counts",
        "GET /analytics/last24h",
        "GET /events",
        "GET /metrics",
        "POST /ingest",
        "POST /ingest/message",
        "POST /upload",
    ],
    "002": [
        "DELETE /api/cameras/{id}",
        "GET /api/cameras",
        "GET /api/events",
        "GET /api/triage/queue",
        "POST /api/cameras",
        "POST /api/pipeline/trigger",
        "POST /api/triage/{id}/validate",
    ],
    "003": [
        "GET /api/images",
        "GET /api/images/<filename>",
        "GET /health",
        "POST /api/inference",
        "POST /api/upload",
    ],
    "004": [
        "GET /",
        "GET /events/camera/{id}",
        "GET /events/plate/{text}",
        "GET /events/recent",
        "GET /events/search",
        "GET /events/{id}",
        "GET /health",
        "GET /stats",
    ],
}
# Seeds 000/001 list the fleet service's paths without methods.
FLEET_PATHS = ["/register", "/heartbeat/{device_id}", "/config/{device_id}", "/devices"]
SEED_TOPICS = [
    "events.detections",
    "alpr.events.plates",
    "smartpole.events",
    "smartpole/events",
    "smartstop/sensors/ultrasonic/{device_id}",
    "smartstop/sensors/temperature/{device_id}",
    "smartstop/sensors/humidity/{device_id}",
    "smartstop/camera/{device_id}",
    "smartstop/command/{device_id}",
]
SEED_TABLES = ["cameras", "detections", "annotations", "jobs", "plate_events", "plate_reads"]
SEED_ENV_VARS = [
    "DATABASE_URL",
    "POLICY_FILE",
    "API_KEY",
    "JWT_SECRET",
    "BLOBS_DIR",
    "S3_BUCKET",
    "GCS_BUCKET",
    "PIPELINE_BACKEND",
    "KAFKA_BROKERS",
    "KAFKA_TOPIC",
    "MQTT_BROKER",
    "MQTT_TOPIC",
]


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_contracts", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # pydantic resolves DetectLine's annotations through sys.modules
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run_generator(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GENERATOR), *args], capture_output=True, text=True, timeout=120
    )


def hand_written(doc: str) -> str:
    """The document without its generated section."""
    start, end = doc.index("<!-- BEGIN GENERATED -->"), doc.index("<!-- END GENERATED -->")
    return doc[:start] + doc[end:]


def mapping_spans(doc: str) -> set[str]:
    """Code spans in the rows of the seed mapping tables (section 3, before the deviations)."""
    section = doc[doc.index("## 3. Seed mapping") : doc.index("### Deliberate deviations")]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return {span for row in rows for span in re.findall(r"`([^`]+)`", row)}


def missing_fields(model: type[BaseModel], doc: str) -> list[str]:
    text = hand_written(doc)
    return [name for name in model.model_fields if f"`{name}`" not in text]


def unmapped_endpoints(doc: str) -> list[str]:
    spans = mapping_spans(doc)
    wanted = {endpoint for endpoints in SEED_ENDPOINTS.values() for endpoint in endpoints}
    missing = sorted(wanted - spans)
    missing += [path for path in FLEET_PATHS if f"Fleet `{path}`" not in doc or path not in spans]
    return missing


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


# (a) the generated section is what the models say today


def test_generated_section_is_up_to_date():
    done = run_generator("--check")
    assert done.returncode == 0, done.stderr


def test_check_fails_on_a_stale_doc_and_regenerating_repairs_it(tmp_path, doc):
    stale = tmp_path / "contracts.md"
    shutil.copy(DOC, stale)
    row = "| `pts` | number | yes | source presentation time in seconds |"
    assert row in doc
    stale.write_text(doc.replace(row, "| `pts` | integer | no | frame number |"), encoding="utf-8")

    done = run_generator("--check", "--doc", str(stale))
    assert done.returncode == 1
    assert "out of date" in done.stderr and "frame number" in done.stderr

    assert run_generator("--doc", str(stale)).returncode == 0
    assert stale.read_text(encoding="utf-8") == doc


def test_generator_refuses_undescribed_detection_record_keys(monkeypatch):
    generator = load_generator()
    monkeypatch.delitem(generator.RECORD_KEYS, "track_id")
    with pytest.raises(SystemExit, match="track_id"):
        generator.generate()


def test_detect_line_matches_the_documented_shape():
    generator = load_generator()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine.cli.main",
            "detect",
            str(STREET_SHORT),
            "--frames",
            "8",
            "--jsonl",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines and all(set(line) == set(generator.DetectLine.model_fields) for line in lines)
    generator.DetectLine.model_validate(lines[-1])
    records = [record for line in lines for record in line["detections"]]
    assert records and all(set(record) == set(generator.RECORD_KEYS) for record in records)


# (b) every Event and Camera field is explained by hand, not only listed by the generator


@pytest.mark.parametrize(
    ("model", "field"),
    [(model, name) for model in (Event, Camera) for name in model.model_fields],
    ids=lambda value: value if isinstance(value, str) else value.__name__,
)
def test_model_field_is_named_in_hand_written_sections(model, field, doc):
    assert field not in missing_fields(model, doc)


def test_field_check_notices_a_field_that_is_never_named(doc):
    assert missing_fields(Event, doc.replace("`snapshot`", "the snapshot")) == ["snapshot"]


# (c) every endpoint, topic, table and env var of the seeds has a row in the mapping


@pytest.mark.parametrize(
    "endpoint",
    sorted({e for endpoints in SEED_ENDPOINTS.values() for e in endpoints} | set(FLEET_PATHS)),
)
def test_seed_endpoint_is_mapped(endpoint, doc):
    assert endpoint not in unmapped_endpoints(doc)


@pytest.mark.parametrize("item", SEED_TOPICS + SEED_TABLES + SEED_ENV_VARS)
def test_seed_topic_table_and_env_var_is_mapped(item, doc):
    assert item in mapping_spans(doc)


def test_mapping_check_notices_a_missing_endpoint(doc):
    broken = doc.replace("`GET /events/plate/{text}`", "plate search").replace(
        "Fleet `/devices`", "Fleet device list"
    )
    assert unmapped_endpoints(broken) == ["GET /events/plate/{text}", "/devices"]


def test_endpoint_list_covers_the_seeds():
    seeds = sorted(SEEDS_DIR.glob("[0-9][0-9][0-9]_*.txt"))
    assert len(seeds) == 5, f"the five seed documents belong in {SEEDS_DIR}"
    for seed in seeds:
        found = {f"{m} {p}" for m, p in ENDPOINT.findall(seed.read_text(encoding="utf-8"))}
        unknown = sorted(found - set(SEED_ENDPOINTS.get(seed.name[:3], [])))
        assert not unknown, f"{seed.name} has endpoints missing from SEED_ENDPOINTS: {unknown}"
