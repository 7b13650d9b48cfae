"""Webhooks out: events written with the change they announce, and their delivery log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hatchway.store.models.base import Base, BigIntPK, enum_column, utcnow

__all__ = ["DeliveryState", "WebhookDelivery", "WebhookEvent"]


class WebhookEvent(Base):
    """Something that happened, recorded in the transaction that made it happen (an outbox).

    ``fanned_out_at`` is set once a dispatcher has created a delivery row for each endpoint
    that wants the event (and queued the CRM activity of a sent reply).
    """

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_fan_out", "fanned_out_at", "id"),)

    id: Mapped[BigIntPK]
    type: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    fanned_out_at: Mapped[datetime | None]


class DeliveryState(enum.StrEnum):
    """pending → delivering (leased) → delivered; back to pending on a retry; or failed."""

    PENDING = "pending"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    FAILED = "failed"  # a permanent refusal, or retries used up; redeliver by hand


class WebhookDelivery(Base):
    """One event to one endpoint: a line of the delivery log and its retry schedule."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint"),
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at", "id"),
    )

    id: Mapped[BigIntPK]
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id"))
    endpoint: Mapped[str] = mapped_column(String(2000))
    state: Mapped[DeliveryState] = enum_column(DeliveryState, default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]
    lease_token: Mapped[int] = mapped_column(BigInteger, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
