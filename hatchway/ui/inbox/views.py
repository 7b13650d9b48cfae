"""What the item page shows, as plain values made from the ORM rows (never the rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

__all__ = [
    "CheckLine",
    "DecisionLine",
    "DraftView",
    "FactGroup",
    "ItemView",
    "MarkedText",
    "OutboxView",
    "ThreadEntry",
    "TraceLine",
]


@dataclass(frozen=True)
class ThreadEntry:
    """One message of the conversation: theirs (inbound) or ours (a reply we sent)."""

    kind: str  # "inbound" | "reply"
    id: int
    at: datetime
    who: str
    subject: str
    text: str
    status: str
    current: bool = False


@dataclass(frozen=True)
class FactGroup:
    """Facts about one thing (an order, a product, the customer), in plain words."""

    title: str
    source: str
    lines: list[tuple[str, str]]


@dataclass(frozen=True)
class CheckLine:
    """A rule hit or a claim check: what it says, and whether it passed."""

    name: str
    text: str
    ok: bool
    note: str | None = None  # a rule's note for the reviewer
    expected: str | None = None  # what the facts say instead, for a failed claim


@dataclass(frozen=True)
class MarkedText:
    """A stretch of the draft; ``flag`` says why it is marked (a claim the facts do not back)."""

    text: str
    flag: str | None = None


@dataclass(frozen=True)
class DraftView:
    """The draft the reviewer decides on, with the evidence around it."""

    id: int
    revision: int
    author: str
    subject: str
    body: str
    category: str | None
    facts: list[FactGroup]
    rule_hits: list[CheckLine]
    checks: list[CheckLine]
    risks: list[str]
    classifier_confidence: float | None
    gate_score: float | None
    gate_version: str | None
    route: str | None
    review_reasons: list[str]
    marked_body: list[MarkedText] = field(default_factory=list)  # empty: nothing to mark


@dataclass(frozen=True)
class TraceLine:
    """One node execution of the graph run."""

    node: str
    ok: bool
    attempt: int
    model: str | None
    prompt_hash: str | None
    tokens: str
    cost: Decimal | None
    latency_ms: int | None
    input_summary: str | None
    output: str | None
    started_at: datetime


@dataclass(frozen=True)
class DecisionLine:
    """A past decision on this item."""

    at: datetime
    who: str
    action: str
    label: str
    reason: str | None


@dataclass(frozen=True)
class OutboxView:
    """The newest reply to this item in the outbox."""

    state: str
    hold_until: datetime | None
    sent_at: datetime | None
    subject: str
    body: str
    last_error: str | None


@dataclass
class ItemView:
    """Everything on the item page."""

    id: int
    status: str
    status_reason: str | None
    subject: str
    from_name: str | None
    from_address: str | None
    to: list[str]
    cc: list[str]
    sent_at: datetime | None
    received_at: datetime
    category: str | None
    has_html: bool
    text_body: str
    attachments: list[dict[str, Any]]
    loop_signals: list[dict[str, Any]]
    assignee: str | None
    assigned_role: str | None
    thread: list[ThreadEntry] = field(default_factory=list)
    draft: DraftView | None = None
    trace: list[TraceLine] = field(default_factory=list)
    graph_error: str | None = None
    decisions: list[DecisionLine] = field(default_factory=list)
    outbox: OutboxView | None = None
    pending: bool = False
    required_role: str = "reviewer"
