"""Attributes of ingested events: what a producer sent beyond the event columns, after policy
(redacted fields are here only as `<field>_hmac`, dropped fields not at all)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from engine.storage.models import Base


class EventAttributesRow(Base):
    """One row per ingested event that carried extra fields; `source` is the policy source."""

    __tablename__ = "event_attributes"

    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
