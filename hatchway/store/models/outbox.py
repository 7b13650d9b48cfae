"""The outbox: approved replies on their way out, exactly once (I2, I3)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hatchway.store.models.base import Base, BigIntPK, enum_column, utcnow

__all__ = ["Approval", "AuditSample", "AuditVerdict", "OutboxEntry", "OutboxState"]


class Approval(enum.StrEnum):
    """Who approved a send (I2)."""

    HUMAN = "human"
    AUTO = "auto"


class OutboxState(enum.StrEnum):
    """approved → held (undo window) → sending (lease) → sent; or cancelled / back to review."""

    HELD = "held"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    RETURNED = "returned"  # sent back to the review inbox (rejected, unknown outcome...)


class OutboxEntry(Base):
    """One approved reply. draft_id and message_id are unique: one send per approved draft."""

    __tablename__ = "outbox_entries"

    id: Mapped[BigIntPK]
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), unique=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    approval: Mapped[Approval] = enum_column(Approval)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    from_address: Mapped[str] = mapped_column(String(320))
    to_addresses: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cc_addresses: Mapped[list[Any]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[list[Any]] = mapped_column(JSON, default=list)
    state: Mapped[OutboxState] = enum_column(OutboxState, default=OutboxState.HELD)
    hold_until: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]
    lease_token: Mapped[int] = mapped_column(BigInteger, default=0)
    # Set (and committed) just before the message is handed to SMTP: after a crash, an
    # entry without it certainly did not go out; one with it may have (see outbox/relay).
    handoff_at: Mapped[datetime | None]
    # The model pins an automatic approval was made under; checked again at send time (I2).
    model_pins: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    smtp_response: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    copied_to_sent: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditVerdict(enum.StrEnum):
    """What an auditor found when checking an auto-sent reply after the fact."""

    PENDING = "pending"
    CORRECT = "correct"  # a reviewer would have sent it unchanged
    CHANGED = "changed"  # a reviewer would have changed or not sent it: an automation error


class AuditSample(Base):
    """An auto-sent reply drawn at random for a human verdict: the error of automation, measured."""

    __tablename__ = "audit_samples"

    id: Mapped[BigIntPK]
    outbox_entry_id: Mapped[int] = mapped_column(ForeignKey("outbox_entries.id"), unique=True)
    category: Mapped[str] = mapped_column(String(100), index=True)
    sampled_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # ops charts
    verdict: Mapped[AuditVerdict] = enum_column(AuditVerdict, default=AuditVerdict.PENDING)
    verdict_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verdict_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
