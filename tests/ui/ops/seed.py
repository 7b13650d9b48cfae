"""A small, exact dataset for the ops console: mail, drafts, decisions, node runs, audits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from hatchway.store import Database
from hatchway.store.models import (
    Approval,
    AuditSample,
    DecisionAction,
    DecisionLabel,
    Draft,
    GraphRun,
    InboundMessage,
    InboundSource,
    InboundStatus,
    NodeRun,
    NodeRunStatus,
    OutboxEntry,
    OutboxState,
    ReviewDecision,
    Route,
    utcnow,
)

WOULD_SEND = "shadow mode: automation would have sent this"
WOULD_NOT = "shadow mode: automation would not have sent this"
MINI = ("openai", "gpt-4.1-mini-2025-04-14")
SONNET = ("anthropic", "claude-sonnet-4-20250514")
LOCAL = ("local", "intent-tfidf")


@dataclass
class Seeded:
    """Ids of what was stored, by the name the tests use."""

    messages: dict[str, int] = field(default_factory=dict)
    drafts: dict[str, int] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)
    samples: list[int] = field(default_factory=list)


def add_mail(
    session: Session, seeded: Seeded, key: str, *, at: datetime, category: str | None
) -> int:
    """An inbound message (parsed, with its category as the review inbox stores it)."""
    raw = f"Subject: {key}\r\n\r\nmail {key}\r\n".encode()
    message = InboundMessage(
        source=InboundSource.FILE,
        raw=raw,
        content_sha256=hashlib.sha256(raw).hexdigest(),
        received_at=at,
        status=InboundStatus.SENT,
        from_address=f"{key}@example.com",
        subject=f"Question {key}",
        text_body=f"Hello, this is mail {key}.",
        category=category,
    )
    session.add(message)
    session.flush()
    run = GraphRun(
        thread_id=str(message.id), inbound_message_id=message.id, graph_name="triage",
        graph_version="1", started_at=at,
    )  # fmt: skip
    session.add(run)
    session.flush()
    seeded.messages[key], seeded.runs[key] = message.id, run.id
    return message.id


def add_draft(
    session: Session, seeded: Seeded, key: str, *, category: str, route: Route, at: datetime,
    reasons: list[str] | None = None,
) -> int:  # fmt: skip
    """The first draft of ``key``'s thread."""
    draft = Draft(
        inbound_message_id=seeded.messages[key], graph_run_id=seeded.runs[key], category=category,
        subject=f"Re: {key}", body=f"Reply to {key}", route=route, review_reasons=reasons or [],
        created_at=at,
    )  # fmt: skip
    session.add(draft)
    session.flush()
    seeded.drafts[key] = draft.id
    return draft.id


def add_decision(
    session: Session, seeded: Seeded, key: str, label: DecisionLabel, distance: float | None,
    at: datetime,
) -> None:  # fmt: skip
    """A reviewer's decision on ``key``'s draft."""
    action = DecisionAction.REJECT if label == DecisionLabel.REJECTED else DecisionAction.SEND
    session.add(
        ReviewDecision(
            draft_id=seeded.drafts[key], inbound_message_id=seeded.messages[key], action=action,
            label=label, edit_distance=distance, decided_at=at,
        )
    )  # fmt: skip


def add_node_run(
    session: Session, seeded: Seeded, key: str, node: str, model: tuple[str, str],
    tokens: tuple[int, int], cost: str, at: datetime,
) -> None:  # fmt: skip
    """One node execution of ``key``'s graph run."""
    session.add(
        NodeRun(
            graph_run_id=seeded.runs[key], node=node, status=NodeRunStatus.OK,
            provider=model[0], model=model[1], model_version=model[1],
            input_tokens=tokens[0], output_tokens=tokens[1], cost_usd=Decimal(cost), started_at=at,
        )
    )  # fmt: skip


def add_audited_send(session: Session, seeded: Seeded, key: str, category: str) -> int:
    """An auto-sent reply of ``key``'s draft, sampled into the audit queue."""
    entry = OutboxEntry(
        draft_id=seeded.drafts[key], inbound_message_id=seeded.messages[key],
        message_id=f"<{key}@shop.example>", approval=Approval.AUTO,
        from_address="support@shop.example", to_addresses=[f"{key}@example.com"],
        subject=f"Re: {key}", body=f"Auto reply to {key}: your parcel is on its way.",
        state=OutboxState.SENT, hold_until=utcnow(),
    )  # fmt: skip
    session.add(entry)
    session.flush()
    sample = AuditSample(outbox_entry_id=entry.id, category=category)
    session.add(sample)
    session.flush()
    seeded.samples.append(sample.id)
    return sample.id


def seed(database: Database, now: datetime) -> Seeded:
    """The dataset the exact-number tests describe (see test_numbers.py)."""
    seeded = Seeded()
    day1, day2, old = now - timedelta(days=1), now - timedelta(days=2), now - timedelta(days=40)
    with database.session() as session:
        for key, category, route, reasons in [
            ("m1", "order_status", Route.REVIEW, []),
            ("m2", "order_status", Route.REVIEW, []),
            ("m3", "order_status", Route.SHADOW, [WOULD_SEND]),
            ("m4", None, Route.AUTO, []),  # auto-sent: the mail row carries no category
            ("m7", "order_status", Route.REVIEW, []),
        ]:
            add_mail(session, seeded, key, at=day1, category=category)
            add_draft(session, seeded, key, category="order_status", route=route, at=day1,
                      reasons=reasons)  # fmt: skip
        add_mail(session, seeded, "m5", at=old, category="order_status")
        add_draft(session, seeded, "m5", category="order_status", route=Route.REVIEW, at=old)
        add_mail(session, seeded, "m6", at=day2, category="refund")
        add_draft(session, seeded, "m6", category="refund", route=Route.SHADOW, at=day2,
                  reasons=[WOULD_NOT])  # fmt: skip
        add_decision(session, seeded, "m1", DecisionLabel.SENT_UNCHANGED, 0.0, day1)
        add_decision(session, seeded, "m2", DecisionLabel.EDITED, 0.2, day1)
        add_decision(session, seeded, "m3", DecisionLabel.EDITED, 0.4, day1)
        add_decision(session, seeded, "m7", DecisionLabel.EDITED, 0.1, day1)
        add_decision(session, seeded, "m5", DecisionLabel.EDITED, 0.9, old)  # outside the window
        add_decision(session, seeded, "m6", DecisionLabel.REJECTED, None, day2)
        add_node_run(session, seeded, "m1", "classify", LOCAL, (100, 0), "0", day1)
        add_node_run(session, seeded, "m1", "draft", MINI, (1000, 500), "0.0012", day1)
        add_node_run(session, seeded, "m4", "draft", MINI, (2000, 1000), "0.0024", day1)
        add_node_run(session, seeded, "m6", "draft", SONNET, (1000, 1000), "0.018", day2)
        add_node_run(session, seeded, "m5", "draft", SONNET, (10000, 5000), "0.5", old)
        add_audited_send(session, seeded, "m4", "order_status")
    return seeded
