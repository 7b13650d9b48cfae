"""Inbound mail: mailboxes with their UID bookmark, threads, stored messages."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hatchway.store.models.base import Base, BigIntPK, enum_column, utcnow

__all__ = ["InboundMessage", "InboundSource", "InboundStatus", "Mailbox", "Thread"]


_USER_ID = BigInteger().with_variant(Integer(), "sqlite")


class InboundSource(enum.StrEnum):
    """How a message reached us."""

    IMAP = "imap"
    API = "api"
    FILE = "file"


class InboundStatus(enum.StrEnum):
    """Where an inbound message is on its way (DESIGN.md, "One email's way through")."""

    RECEIVED = "received"  # stored, waiting for the triage graph
    QUARANTINED = "quarantined"  # could not be parsed; raw bytes kept, reason shown
    IGNORED = "ignored"  # never answered, by an explained rule (loop signal, rule)
    TRIAGING = "triaging"  # the graph is working on it
    IN_REVIEW = "in_review"  # waiting for a human in the review inbox
    APPROVED = "approved"  # a reply is approved and in the outbox
    SENT = "sent"  # the reply went out
    REJECTED = "rejected"  # a reviewer decided not to reply


class Mailbox(Base):
    """An IMAP folder we ingest from, with the bookmark that makes ingest resumable."""

    __tablename__ = "mailboxes"

    id: Mapped[BigIntPK]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    folder: Mapped[str] = mapped_column(String(500), default="INBOX")
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_polled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Thread(Base):
    """A conversation as the reviewer sees it."""

    __tablename__ = "threads"

    id: Mapped[BigIntPK]
    subject_key: Mapped[str] = mapped_column(String(500), index=True)
    customer_address: Mapped[str | None] = mapped_column(String(320), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundMessage(Base):
    """One received e-mail: the raw bytes as they came, what we parsed, and its status."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("mailbox_id", "uidvalidity", "uid"),
        Index("ix_inbound_messages_status_received_at", "status", "received_at"),
        # The review inbox: filter by category and count per category without a table scan.
        Index("ix_inbound_messages_inbox_category", "status", "category", "received_at"),
        # "mine", "unassigned", a person: two equalities, so SQLite picks it without ANALYZE.
        Index("ix_inbound_messages_inbox_assignee", "status", "assignee_id", "received_at"),
        # Reason search (issue 7). SQLite: a covering b-tree walked in queue order (id too, the
        # tie-breaker), so a search reads the index, never the wide rows. PostgreSQL: GIN,
        # trigrams on the reason (pg_trgm) beside the plain columns (btree_gin), so
        # ILIKE '%...%' is an index lookup. One declaration, so the models match both schemas.
        Index(
            "ix_inbound_messages_inbox_reason",
            "status",
            "received_at",
            "id",
            "status_reason",
            postgresql_using="gin",
            postgresql_ops={"status_reason": "public.gin_trgm_ops"},
        ),
        # The ops console's 30-day windows.
        Index("ix_inbound_messages_received_at", "received_at"),
    )

    id: Mapped[BigIntPK]
    source: Mapped[InboundSource] = enum_column(InboundSource)
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailboxes.id"))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the parse step (DESIGN.md step 2) filled the parsed fields, status and thread.
    # NULL: the raw bytes are stored (IMAP ingest stores only those, with the triage job)
    # and the job's first step has not parsed them yet; the row's status is "received".
    parsed_at: Mapped[datetime | None]
    status: Mapped[InboundStatus] = enum_column(InboundStatus, default=InboundStatus.RECEIVED)
    # Why it has this status: the quarantine reason (with the parse error), the rule that
    # ignored it, or why it went to review.
    status_reason: Mapped[str | None] = mapped_column(Text)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id"), index=True)
    # Parsed fields; empty while the message is quarantined or not parsed yet. message_id is
    # set at ingest from a scan of the raw header block (for re-sync dedupe), then by the parse.
    from_address: Mapped[str | None] = mapped_column(String(320), index=True)
    from_name: Mapped[str | None] = mapped_column(String(500))
    subject: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    to_addresses: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cc_addresses: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reply_to: Mapped[list[Any]] = mapped_column(JSON, default=list)
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text_body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    loop_signals: Mapped[list[Any]] = mapped_column(JSON, default=list)
    defects: Mapped[list[Any]] = mapped_column(JSON, default=list)
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    # The review inbox. User ids without a foreign key: adding one would make SQLite copy
    # the whole table on upgrade, and users are deactivated, never deleted.
    claimed_by_id: Mapped[int | None] = mapped_column(_USER_ID)  # who has it open now
    claimed_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]  # the claim lapses unless renewed
    assignee_id: Mapped[int | None] = mapped_column(_USER_ID)  # reassigned to
    assigned_role: Mapped[str | None] = mapped_column(String(32))  # escalated to
    dismissed_at: Mapped[datetime | None]  # quarantined mail hidden by a person (still stored)
