"""The durable job queue that workers claim from."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hatchway.store.models.base import Base, BigIntPK, enum_column, utcnow

__all__ = ["Job", "JobState", "Lane"]


class JobState(enum.StrEnum):
    """A job's life: queued → running (leased) → done, or back to queued on a retry."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # retries exhausted; the item it was for went to the review inbox


class Lane(enum.IntEnum):
    """Priority lanes: live mail is always claimed before a backfill of old mail."""

    LIVE = 0
    BACKFILL = 10


class Job(Base):
    """One unit of background work, claimed under a lease."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_claim", "state", "lane", "run_after", "id"),)

    id: Mapped[BigIntPK]
    kind: Mapped[str] = mapped_column(String(50))
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lane: Mapped[int] = mapped_column(Integer, default=Lane.LIVE)
    state: Mapped[JobState] = enum_column(JobState, default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]
    lease_token: Mapped[int] = mapped_column(BigInteger, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
