"""Categories with their automation mode and evidence, and the model pinned to each node."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hatchway.store.models.base import Base, BigIntPK, enum_column, utcnow

__all__ = ["Category", "CategoryMode", "Flag", "ModelPin"]

# The global kill switch: while enabled, nothing is sent automatically.
AUTO_SEND_KILL_SWITCH = "auto_send_kill_switch"


class CategoryMode(enum.StrEnum):
    """review (launch state) → shadow → auto; demotion goes back to review."""

    REVIEW = "review"
    SHADOW = "shadow"
    AUTO = "auto"


class Category(Base):
    """A category of inbound mail and how far it is trusted to run on its own."""

    __tablename__ = "categories"

    id: Mapped[BigIntPK]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    answerable: Mapped[bool] = mapped_column(Boolean, default=True)
    mode: Mapped[CategoryMode] = enum_column(CategoryMode, default=CategoryMode.REVIEW)
    threshold: Mapped[float | None] = mapped_column(Float)
    target_error: Mapped[float] = mapped_column(Float, default=0.01)
    kill_switch: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    evidence_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ModelPin(Base):
    """The exact model version a graph node runs: `provider:model@version` or a dated id."""

    __tablename__ = "model_pins"

    id: Mapped[BigIntPK]
    node: Mapped[str] = mapped_column(String(100), unique=True)
    spec: Mapped[str] = mapped_column(String(500))
    provider: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(300))
    version: Mapped[str] = mapped_column(String(300))
    pinned_at: Mapped[datetime] = mapped_column(default=utcnow)
    pinned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Flag(Base):
    """A named system-wide switch, such as the global auto-send kill switch."""

    __tablename__ = "flags"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
