"""Drafts and the review decisions that label them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hatchway.store.models.base import Base, BigIntPK, enum_column, utcnow

__all__ = ["DecisionAction", "DecisionLabel", "Draft", "DraftAuthor", "ReviewDecision", "Route"]


class DraftAuthor(enum.StrEnum):
    """Who wrote a draft revision."""

    AGENT = "agent"
    HUMAN = "human"


class Route(enum.StrEnum):
    """What the gate decided for a draft."""

    AUTO = "auto"
    REVIEW = "review"
    SHADOW = "shadow"  # reviewed by a human; auto recorded what it would have done


class DecisionAction(enum.StrEnum):
    """What a reviewer did."""

    SEND = "send"
    REJECT = "reject"
    ESCALATE = "escalate"
    REASSIGN = "reassign"


class DecisionLabel(enum.StrEnum):
    """The outcome label the gate learns from."""

    SENT_UNCHANGED = "sent_unchanged"
    EDITED = "edited"
    REJECTED = "rejected"
    NONE = "none"  # escalate/reassign: no verdict on the draft yet


class Draft(Base):
    """A reply draft with everything the reviewer and the gate need to judge it."""

    __tablename__ = "drafts"

    id: Mapped[BigIntPK]
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    graph_run_id: Mapped[int | None] = mapped_column(ForeignKey("graph_runs.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    author: Mapped[DraftAuthor] = enum_column(DraftAuthor, default=DraftAuthor.AGENT)
    category: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    facts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    risks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rule_hits: Mapped[list[Any]] = mapped_column(JSON, default=list)
    check_results: Mapped[list[Any]] = mapped_column(JSON, default=list)
    classifier_confidence: Mapped[float | None] = mapped_column(Float)
    gate_score: Mapped[float | None] = mapped_column(Float)
    gate_version: Mapped[str | None] = mapped_column(String(100))
    route: Mapped[Route | None] = enum_column(Route, nullable=True)
    # What automation would have done (shadow mode compares it with the reviewer's decision).
    would_auto_send: Mapped[bool | None] = mapped_column(Boolean)
    review_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # ops windows


class ReviewDecision(Base):
    """A reviewer's decision on a draft; also the label the gate is trained on."""

    __tablename__ = "review_decisions"

    id: Mapped[BigIntPK]
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[DecisionAction] = enum_column(DecisionAction)
    label: Mapped[DecisionLabel] = enum_column(DecisionLabel)
    final_subject: Mapped[str | None] = mapped_column(Text)
    final_body: Mapped[str | None] = mapped_column(Text)
    edit_distance: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # ops windows
