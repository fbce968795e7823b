"""Field policy: which event types are kept, and per source and field whether a value is
dropped, redacted (kept only as a keyed HMAC of its folded text) or protected (kept in clear,
shown by role). `apply_policy` runs before storage; `present` runs on every view."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from engine.domain.plate import fold_plate_key
from engine.resources import resource_path
from engine.security.permissions import Permission
from engine.security.principal import Principal

MASK = "•••"
HMAC_SUFFIX = "_hmac"
# OCR confuses these; folding both sides makes "SB0" and "58O" the same key.


class FieldMode(str, Enum):
    DROP = "drop"
    REDACT = "redact"
    PROTECT = "protect"


def fold_plate(text: str) -> str:
    """Uppercase, strip non-alphanumerics, map look-alikes (O->0, I->1, B->8, S->5, Z->2, G->6):
    the same key the plate reader stores, so an HMAC made here matches its reads."""
    return fold_plate_key(text)


def plate_hmac(key: bytes, text: str) -> str:
    """Hex HMAC-SHA256 of the folded text: equal for look-alike reads, useless without the key."""
    return hmac.new(key, fold_plate(text).encode(), hashlib.sha256).hexdigest()


def mask(value: str) -> str:
    """'4XAB738' -> '4X•••38'; short values are masked whole."""
    text = str(value)
    return f"{text[:2]}{MASK}{text[-2:]}" if len(text) >= 6 else MASK


@dataclass(frozen=True)
class PolicyRules:
    """The parsed rules file. `fields[source][field]` overrides `redact_fields` for that source."""

    event_type_field: str = "event_type"
    allow_event_types: frozenset[str] = frozenset()
    deny_event_types: frozenset[str] = frozenset()
    redact_fields: frozenset[str] = frozenset()
    fields: Mapping[str, Mapping[str, FieldMode]] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PolicyRules:
        sources: dict[str, dict[str, FieldMode]] = {}
        for source, spec in (data.get("sources") or {}).items():
            modes = (spec or {}).get("fields") or {}
            try:
                sources[str(source)] = {str(f): FieldMode(m) for f, m in modes.items()}
            except ValueError as exc:
                raise ValueError(f"policy source {source!r}: {exc}") from None
        return cls(
            event_type_field=str(data.get("event_type_field") or "event_type"),
            allow_event_types=frozenset(map(str, data.get("allow_event_types") or ())),
            deny_event_types=frozenset(map(str, data.get("deny_event_types") or ())),
            redact_fields=frozenset(map(str, data.get("redact_fields") or ())),
            fields=sources,
        )

    def modes(self, source: str) -> dict[str, FieldMode]:
        """Every governed field of `source` and its mode."""
        modes = {name: FieldMode.REDACT for name in self.redact_fields}
        modes.update(self.fields.get(source, {}))
        return modes


def default_rules_path() -> Path:
    return resource_path("policy", "rules.yaml")


def load_rules(path: Path | None = None) -> PolicyRules:
    source = path or default_rules_path()
    with open(source, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{source}: expected a mapping")
    return PolicyRules.from_mapping(data)


class FieldPolicy:
    """Rules plus the HMAC key. Both methods are pure: they never touch storage or the audit log
    (the service layer audits what `present_record` reports as shown in clear)."""

    def __init__(self, rules: PolicyRules, hmac_key: bytes | None) -> None:
        uses_redact = any(FieldMode.REDACT in rules.modes(s).values() for s in [*rules.fields, ""])
        if uses_redact and not hmac_key:
            raise ValueError("the policy redacts fields: POLICY_HMAC_KEY must be set")
        self.rules = rules
        self._key = hmac_key or b""
        # Per source, the governed fields that apply_policy changes (protected ones stay as
        # they are), worked out once: the rules are frozen.
        self._stored: dict[str, tuple[tuple[str, bool], ...]] = {}

    def allows_type(self, event_type: str) -> bool:
        if event_type in self.rules.deny_event_types:
            return False
        return not self.rules.allow_event_types or event_type in self.rules.allow_event_types

    def apply_policy(self, payload: Mapping[str, Any], source: str) -> dict[str, Any] | None:
        """The payload as it may be stored, or None when its event type is not allowed."""
        if not self.allows_type(str(payload.get(self.rules.event_type_field, ""))):
            return None
        out = dict(payload)
        for name, redact in self._stored_modes(source):
            if name not in out:
                continue
            value = out.pop(name)
            if redact and value is not None:
                out[name + HMAC_SUFFIX] = self.hmac(str(value))
        return out

    def _stored_modes(self, source: str) -> tuple[tuple[str, bool], ...]:
        """(field, redact?) for each field of `source` that is dropped or redacted."""
        found = self._stored.get(source)
        if found is None:
            modes = self.rules.modes(source).items()
            found = tuple(
                (n, m is FieldMode.REDACT) for n, m in modes if m is not FieldMode.PROTECT
            )
            self._stored[source] = found
        return found

    def hmac(self, text: str) -> str:
        """The keyed HMAC of a folded plate key (watchlist entries and exact search use this)."""
        return plate_hmac(self._key, text)

    @staticmethod
    def present(value: Any, principal: Principal) -> Any:
        """A protected value as `principal` may see it: clear with plates.view, masked without."""
        if value is None or principal.has(Permission.PLATES_VIEW):
            return value
        return mask(str(value))

    def present_record(
        self, record: Mapping[str, Any], principal: Principal, source: str
    ) -> tuple[dict[str, Any], list[str]]:
        """The record as `principal` may see it, and the protected fields it shows in clear
        (to audit). Redacted and dropped fields never leave in clear, even if stored so."""
        out = dict(record)
        clear: list[str] = []
        for name, mode in self.rules.modes(source).items():
            if out.get(name) is None:
                continue
            if mode is FieldMode.PROTECT:
                out[name] = self.present(out[name], principal)
                if principal.has(Permission.PLATES_VIEW):
                    clear.append(name)
            else:
                value = out.pop(name)
                if mode is FieldMode.REDACT:
                    out.setdefault(name + HMAC_SUFFIX, self.hmac(str(value)))
        return out, clear
