"""Each event comes from the real code path, in the transaction of its cause (both databases)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from hatchway.connectors.smtp import InMemoryMailSender, SendRejected
from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.graphs.runner import TriageRunner
from hatchway.outbox import OutboxRelay, OutboxSettings, approve_draft, cancel_held
from hatchway.outbox.recovery import Recovery
from hatchway.policies.automation import Actor, demote, promote
from hatchway.policies.categories import ensure_categories
from hatchway.store import Database
from hatchway.store.jobs import ClaimedJob
from hatchway.store.models import (
    Approval,
    AuditEvent,
    Category,
    CategoryMode,
    Draft,
    Job,
    ModelPin,
    OutboxEntry,
    OutboxState,
    WebhookEvent,
    utcnow,
)
from hatchway.webhooks import EventType
from hatchway.worker import Worker
from tests.graphs.conftest import checkpointer, message_id, reviewer_id, runner
from tests.webhooks.conftest import CUSTOMER

# The graph tests' fixtures: an email run through the real triage graph.
__all__ = ["checkpointer", "message_id", "reviewer_id", "runner"]

SHOP = "support@shop.example"


def _events(database: Database) -> list[WebhookEvent]:
    with database.session() as session:
        return list(session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


def _of(database: Database, type: EventType) -> list[dict[str, Any]]:
    return [event.payload for event in _events(database) if event.type == type]


def _relay(database: Database) -> InMemoryMailSender:
    with database.session() as session:  # the hold window has passed
        session.execute(update(OutboxEntry).values(hold_until=utcnow()))
    sender = InMemoryMailSender(mail_from=SHOP)
    assert OutboxRelay(database, sender, OutboxSettings()).relay_once().sent == 1
    return sender


def test_a_rolled_back_change_announces_nothing(database: Database) -> None:
    actor = Actor("ops-olga", user_id=None)
    with database.session() as session:
        ensure_categories(session)
    with pytest.raises(RuntimeError), database.session() as session:
        promote(
            session, name="order_status", to=CategoryMode.SHADOW, actor=actor, gate_version=None
        )
        raise RuntimeError("the request failed after the change")
    assert _events(database) == []
    with database.session() as session:
        promote(
            session, name="order_status", to=CategoryMode.SHADOW, actor=actor, gate_version=None
        )
    [payload] = _of(database, EventType.CATEGORY_MODE_CHANGED)
    assert payload["category"] == "order_status"
    assert (payload["from"], payload["to"], payload["reason"]) == ("review", "shadow", "promoted")
    assert payload["actor"] == "ops-olga" and payload["changed_at"]


def test_a_demotion_announces_the_mode_change_with_its_audit_event(database: Database) -> None:
    with database.session() as session:
        ensure_categories(session)
        session.execute(
            update(Category).where(Category.name == "refund").values(mode=CategoryMode.AUTO)
        )
    with database.session() as session:
        demote(session, name="refund", actor=Actor("system:audit"), reason="audited error")
        demote(session, name="refund", actor=Actor("system:audit"), reason="again")  # no change
    [payload] = _of(database, EventType.CATEGORY_MODE_CHANGED)
    assert (payload["from"], payload["to"], payload["reason"]) == (
        "auto",
        "review",
        "audited error",
    )
    with database.session() as session:
        audits = session.scalars(select(AuditEvent.action)).all()
    assert "category.mode_review" in audits


def test_the_review_interrupt_announces_a_draft_ready_for_review(
    database: Database,
    runner: TriageRunner,
    message_id: int,
) -> None:
    runner.start(message_id)
    [payload] = _of(database, EventType.DRAFT_READY_FOR_REVIEW)
    with database.session() as session:
        draft = session.scalars(select(Draft)).one()
    assert payload["item_id"] == message_id and payload["draft_id"] == draft.id
    assert payload["message_id"] == "<g1@example.com>"
    assert payload["category"] == "order_status"
    assert payload["customer_email"] == "emma@example.com"


def test_a_rejection_is_announced_once(
    database: Database,
    runner: TriageRunner,
    message_id: int,
    reviewer_id: int,
) -> None:
    runner.start(message_id)
    decision = ReviewerDecision(action="reject", reviewer_id=reviewer_id, reason="duplicate")
    runner.resume(message_id, decision)
    [payload] = _of(database, EventType.REVIEW_REJECTED)
    assert payload["item_id"] == message_id and payload["reason"] == "duplicate"
    assert payload["reviewer_id"] == reviewer_id and payload["draft_id"] is not None
    assert _of(database, EventType.REPLY_SENT) == []


def test_a_reviewers_send_is_announced_when_the_reply_is_sent(
    database: Database,
    runner: TriageRunner,
    message_id: int,
    reviewer_id: int,
) -> None:
    runner.start(message_id)
    runner.resume(message_id, ReviewerDecision(action="send", reviewer_id=reviewer_id))
    assert _of(database, EventType.REPLY_SENT) == []  # approved, not sent yet
    [sent] = _relay(database).sent
    [payload] = _of(database, EventType.REPLY_SENT)
    assert payload["reply_message_id"] == sent.message["Message-ID"]
    assert payload["approval"] == "human"
    assert payload["approved_by"] == {"user_id": reviewer_id, "username": "rita"}
    assert payload["item_id"] == message_id and payload["sent_at"]
    assert _of(database, EventType.REPLY_AUTO_SENT) == []


def test_an_automatic_send_is_announced_as_auto_sent(
    database: Database, stored_draft: tuple[int, int, int]
) -> None:
    inbound_id, draft_id, _ = stored_draft
    pins = {"draft": "local:template-drafter@1"}
    with database.session() as session:
        session.add(Category(name="order_status", mode=CategoryMode.AUTO))
        session.add(
            ModelPin(node="draft", spec=pins["draft"], provider="local", model="t", version="1")
        )
    with database.session() as session:
        draft = session.get_one(Draft, draft_id)
        approve_draft(
            session, draft=draft, approval=Approval.AUTO, from_address=SHOP,
            hold=timedelta(0), model_pins=pins,
        )  # fmt: skip
    _relay(database)
    [payload] = _of(database, EventType.REPLY_AUTO_SENT)
    assert payload["approval"] == "auto" and payload["approved_by"] is None
    assert payload["item_id"] == inbound_id and payload["draft_id"] == draft_id
    assert payload["customer_email"] == CUSTOMER and payload["category"] == "order_status"
    assert _of(database, EventType.REPLY_SENT) == []
    assert "secret" not in str(payload).lower() and "password" not in str(payload).lower()


class _SentFolderHolding:
    """A Sent folder that holds exactly the Message-IDs given (the recovery's evidence)."""

    def __init__(self, *message_ids: str) -> None:
        self.message_ids = set(message_ids)

    def contains(self, message_id: str) -> bool:
        return message_id in self.message_ids

    def append(self, raw: bytes) -> None:
        raise AssertionError("nothing is filed in this test")


def _approved(database: Database, draft_id: int, reviewer_id: int, hold: timedelta) -> int:
    with database.session() as session:
        entry = approve_draft(
            session, draft=session.get_one(Draft, draft_id), approval=Approval.HUMAN,
            from_address=SHOP, hold=hold, approved_by=reviewer_id,
        )  # fmt: skip
        session.flush()
        return entry.id


def test_an_undone_send_announces_the_item_back_in_review(
    database: Database, stored_draft: tuple[int, int, int]
) -> None:
    inbound_id, draft_id, reviewer_id = stored_draft
    entry_id = _approved(database, draft_id, reviewer_id, hold=timedelta(seconds=30))
    with database.session() as session:
        assert cancel_held(session, entry_id, by_user=reviewer_id, reason="typo")
    [payload] = _of(database, EventType.DRAFT_READY_FOR_REVIEW)
    assert (payload["item_id"], payload["draft_id"]) == (inbound_id, draft_id)
    assert payload["reason"] == "send undone: typo"


def test_a_refused_send_announces_the_item_back_in_review(
    database: Database, stored_draft: tuple[int, int, int]
) -> None:
    inbound_id, draft_id, reviewer_id = stored_draft
    _approved(database, draft_id, reviewer_id, hold=timedelta(0))
    sender = InMemoryMailSender(mail_from=SHOP)
    sender.fail_next(1, SendRejected(550, "5.1.1 no such user", (CUSTOMER,)))
    assert OutboxRelay(database, sender, OutboxSettings()).relay_once().returned == 1
    [payload] = _of(database, EventType.DRAFT_READY_FOR_REVIEW)
    assert payload["item_id"] == inbound_id and "550" in payload["reason"]
    assert _of(database, EventType.REPLY_SENT) == []


def test_a_send_proved_by_the_sent_folder_is_announced_as_sent(
    database: Database, stored_draft: tuple[int, int, int]
) -> None:
    inbound_id, draft_id, reviewer_id = stored_draft
    entry_id = _approved(database, draft_id, reviewer_id, hold=timedelta(0))
    with database.session() as session:  # the sender died after handing it to SMTP
        entry = session.get_one(OutboxEntry, entry_id)
        entry.state, entry.handoff_at = OutboxState.SENDING, utcnow()
        message_id = entry.message_id
    recovery = Recovery(database, OutboxSettings(), _SentFolderHolding(message_id))
    recovery.resolve_unknown(entry_id, "the worker stopped after handing it to SMTP")
    [payload] = _of(database, EventType.REPLY_SENT)
    assert (payload["item_id"], payload["reply_message_id"]) == (inbound_id, message_id)


def test_a_job_that_keeps_failing_announces_the_item_in_review(
    database: Database, message_id: int
) -> None:
    def broken(job: ClaimedJob) -> None:
        raise RuntimeError("model provider down")

    with database.session() as session:
        session.execute(update(Job).values(max_attempts=1))
    assert Worker(database, {"triage": broken}, retry_base=timedelta(0)).run_once()
    [payload] = _of(database, EventType.DRAFT_READY_FOR_REVIEW)
    assert payload["item_id"] == message_id and payload["draft_id"] is None
    assert "model provider down" in payload["reason"]
