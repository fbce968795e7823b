"""Field policy: allow/deny, drop, redact (HMAC of the folded key), protect (masked by role)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.security.permissions import Permission
from engine.security.policy import (
    FieldMode,
    FieldPolicy,
    PolicyRules,
    fold_plate,
    load_rules,
    mask,
    plate_hmac,
)
from engine.security.principal import Principal, PrincipalKind

P = Permission
KEY = b"k" * 32
RULES = PolicyRules.from_mapping(
    {
        "allow_event_types": [],
        "deny_event_types": ["person"],
        "redact_fields": ["plate_text"],
        "sources": {
            "engine": {"fields": {"plate_text": "protect"}},
            "ingest": {"fields": {"driver": "drop"}},
        },
    }
)
POLICY = FieldPolicy(RULES, KEY)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("4x-ab 738", "4XA8738"),
        ("so1-ibz", "501182"),  # S->5 O->0 I->1 B->8 Z->2
        ("GOOD", "600D"),
        ("ab.c-d e", "A8CDE"),
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold_plate(text) == folded


@pytest.mark.parametrize(
    ("stored", "watchlist", "matches"),
    [
        ("4XB-738", "4x8 738", True),  # B read as 8
        ("SO1 IBZ", "501182", True),  # every look-alike at once
        ("GZ-OO1", "62001", True),
        ("4XB-738", "4XB-739", False),
    ],
)
def test_redacted_hmac_matches_the_folded_watchlist_key(
    stored: str, watchlist: str, matches: bool
) -> None:
    kept = POLICY.apply_policy({"event_type": "plate", "plate_text": stored}, "ingest")
    assert kept is not None and "plate_text" not in kept
    assert stored not in str(kept)
    assert (kept["plate_text_hmac"] == POLICY.hmac(watchlist)) is matches


def test_hmac_depends_on_the_key() -> None:
    assert plate_hmac(KEY, "4XB738") != plate_hmac(b"x" * 32, "4XB738")


# (source, payload, expected stored payload or None for a denied type)
APPLY_CASES = [
    ("ingest", {"event_type": "person", "plate_text": "AB123"}, None),
    ("engine", {"event_type": "person"}, None),
    ("ingest", {"event_type": "car", "driver": "Bob", "n": 1}, {"event_type": "car", "n": 1}),
    ("engine", {"event_type": "bus", "plate_text": "A"}, {"event_type": "bus", "plate_text": "A"}),
    ("other", {"event_type": "car", "plate_text": None}, {"event_type": "car"}),
    ("ingest", {"event_type": "car"}, {"event_type": "car"}),
]


@pytest.mark.parametrize(("source", "payload", "expected"), APPLY_CASES)
def test_apply_policy(source: str, payload: dict, expected: dict | None) -> None:
    original = dict(payload)
    assert POLICY.apply_policy(payload, source) == expected
    assert payload == original  # pure: the input is left alone


def test_allow_list_admits_only_its_types() -> None:
    policy = FieldPolicy(PolicyRules.from_mapping({"allow_event_types": ["car"]}), None)
    assert policy.apply_policy({"event_type": "car"}, "x") == {"event_type": "car"}
    assert policy.apply_policy({"event_type": "bus"}, "x") is None
    assert policy.apply_policy({}, "x") is None


def _principal(*permissions: Permission) -> Principal:
    return Principal(PrincipalKind.USER, "u", "r", frozenset(permissions))


@pytest.mark.parametrize(
    ("permissions", "record", "shown", "clear"),
    [
        ((P.PLATES_VIEW,), {"plate_text": "4XAB738"}, {"plate_text": "4XAB738"}, ["plate_text"]),
        ((), {"plate_text": "4XAB738"}, {"plate_text": "4X•••38"}, []),
        ((), {"plate_text": "AB1"}, {"plate_text": "•••"}, []),
        ((), {"plate_text": None}, {"plate_text": None}, []),
    ],
)
def test_protect_is_clear_only_with_plates_view(
    permissions: tuple[Permission, ...], record: dict, shown: dict, clear: list[str]
) -> None:
    assert POLICY.present_record(record, _principal(*permissions), "engine") == (shown, clear)


def test_redacted_field_never_leaves_in_clear_even_if_stored_so() -> None:
    viewer = _principal(*Permission)
    shown, clear = POLICY.present_record({"plate_text": "4XAB738"}, viewer, "ingest")
    assert shown == {"plate_text_hmac": POLICY.hmac("4XAB738")} and clear == []


def test_mask() -> None:
    assert mask("4XAB738") == "4X•••38"


def test_bundled_rules_load_and_protect_engine_plates(tmp_path: Path) -> None:
    rules = load_rules()
    assert rules.modes("engine")["plate_text"] is FieldMode.PROTECT
    assert rules.modes("ingest")["plate_text"] is FieldMode.REDACT
    with pytest.raises(ValueError, match="POLICY_HMAC_KEY"):
        FieldPolicy(rules, None)
    bad = tmp_path / "rules.yaml"
    bad.write_text("sources: {ingest: {fields: {plate_text: shred}}}\n")
    with pytest.raises(ValueError, match="ingest"):
        load_rules(bad)
