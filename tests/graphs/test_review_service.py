"""Decisions and undo as the inbox submits them, carried out the way a worker does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.graphs.runner import TriageRunner
from hatchway.review import (
    REOPEN_REVIEW_JOB,
    REVIEW_DECISION_JOB,
    RefusalKind,
    ReviewRefused,
    submit_decision,
    take_claim,
    undo_send,
)
from hatchway.store import Database
from hatchway.store.jobs import claim_job, finish_job
from hatchway.store.models import (
    AuditEvent,
    Draft,
    InboundMessage,
    InboundStatus,
    Job,
    OutboxEntry,
    OutboxState,
    Role,
    User,
    utcnow,
)


def _work(database: Database, runner: TriageRunner) -> None:
    """What a worker's handlers do with the queued decision and reopen jobs."""
    kinds = {REVIEW_DECISION_JOB, REOPEN_REVIEW_JOB}
    while job := claim_job(database, owner="w", kinds=kinds, lease=timedelta(minutes=1)):
        assert job.inbound_message_id is not None
        if job.kind == REVIEW_DECISION_JOB:
            runner.resume(job.inbound_message_id, ReviewerDecision.model_validate(job.payload))
        else:
            runner.reopen(job.inbound_message_id)
        with database.session() as session:
            finish_job(session, job)


def _submit(database: Database, message_id: int, decision: ReviewerDecision, **extra: Any) -> int:
    return submit_decision(
        database, message_id=message_id, decision=decision, now=utcnow(), **extra
    )


def _send(reviewer_id: int, body: str | None = None) -> ReviewerDecision:
    return ReviewerDecision(action="send", reviewer_id=reviewer_id, body=body)


def test_send_undo_and_send_again_gives_one_live_entry(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    runner.start(message_id)
    _submit(database, message_id, _send(reviewer_id))
    with pytest.raises(ReviewRefused, match="already being carried out"):
        _submit(database, message_id, _send(reviewer_id))
    _work(database, runner)
    with database.session() as session:  # a long hold, so the undo is in time
        session.execute(update(OutboxEntry).values(hold_until=utcnow() + timedelta(minutes=5)))
    assert undo_send(database, message_id=message_id, user_id=reviewer_id)
    _work(database, runner)
    assert runner.waiting_for_review(message_id)
    _submit(database, message_id, _send(reviewer_id, body="Fixed text"))
    _work(database, runner)
    with database.session() as session:
        entries = session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)).all()
        assert [e.state for e in entries] == [OutboxState.CANCELLED, OutboxState.HELD]
        assert entries[1].body == "Fixed text"
        assert entries[0].draft_id != entries[1].draft_id
        assert len(session.scalars(select(Draft)).all()) == 2


def test_decisions_are_refused_when_not_in_review(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    with pytest.raises(ReviewRefused, match="not waiting for review"):
        _submit(database, message_id, _send(reviewer_id))


def test_an_inactive_reviewer_cannot_decide(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    runner.start(message_id)
    with database.session() as session:
        session.execute(update(User).values(active=False))
    with pytest.raises(ReviewRefused, match="not active"):
        _submit(database, message_id, _send(reviewer_id))


def test_a_rule_asking_for_a_role_is_enforced(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    runner.start(message_id)
    with database.session() as session:
        draft = session.scalars(select(Draft)).one()
        draft.rule_hits = [
            {
                "rule": "big-refund",
                "action": "require_role",
                "role": "ops",
                "explanation": "refund above 500 EUR",
            }
        ]
    with pytest.raises(ReviewRefused, match="needs the ops role"):
        _submit(database, message_id, _send(reviewer_id))
    reject = ReviewerDecision(action="reject", reviewer_id=reviewer_id, reason="no")
    assert _submit(database, message_id, reject) > 0


def test_undo_after_the_hold_is_refused(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    runner.start(message_id)
    _submit(database, message_id, _send(reviewer_id))
    _work(database, runner)
    with database.session() as session:
        session.execute(update(OutboxEntry).values(state=OutboxState.SENDING))
    assert not undo_send(database, message_id=message_id, user_id=reviewer_id)
    with database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None and message.status == InboundStatus.APPROVED


def test_an_item_someone_else_has_open_is_refused(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    runner.start(message_id)
    with database.session() as session:
        other = User(username="olga", display_name="Olga", role=Role.REVIEWER, password_hash="x")
        session.add(other)
        session.flush()
        take_claim(session, message_id=message_id, user=other, now=utcnow(), minutes=5)
    with pytest.raises(ReviewRefused, match="held by Olga") as refused:
        _submit(database, message_id, _send(reviewer_id))
    assert refused.value.kind == RefusalKind.HELD_BY_ANOTHER
    later = utcnow() + timedelta(minutes=6)  # the claim lapsed
    assert submit_decision(database, message_id=message_id, decision=_send(reviewer_id), now=later)


def test_escalation_is_recorded_with_the_decision_and_the_claim_released(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    runner.start(message_id)
    with database.session() as session:
        reviewer = session.get(User, reviewer_id)
        assert reviewer is not None
        take_claim(session, message_id=message_id, user=reviewer, now=utcnow(), minutes=5)
    note = ReviewerDecision(action="escalate", reviewer_id=reviewer_id, reason=" legal tone ")
    job_id = _submit(database, message_id, note, escalate_to=Role.OPS, relayed_by="api key crm")
    with database.session() as session:
        message = session.get(InboundMessage, message_id)
        job = session.get(Job, job_id)
        audit = session.scalars(select(AuditEvent).where(AuditEvent.actor == "api key crm")).one()
        assert message is not None and job is not None
        assert (message.assigned_role, message.claimed_by_id) == ("ops", None)
        assert job.payload["reason"] == "escalated to ops: legal tone"
        assert audit.details == {"action": "escalate", "reviewer": "rita", "job_id": job_id}


@pytest.mark.parametrize(
    ("decision", "escalate_to", "refusal"),
    [
        (ReviewerDecision(action="reject", reviewer_id=0, reason="  "), None, "say why"),
        (ReviewerDecision(action="escalate", reviewer_id=0), None, "role to escalate to"),
        (ReviewerDecision(action="escalate", reviewer_id=0), Role.REVIEWER, "escalate to"),
        (ReviewerDecision(action="reassign", reviewer_id=0, assignee_id=999), None, "active user"),
    ],
)
def test_incomplete_decisions_are_refused_and_queue_nothing(
    database: Database,
    runner: TriageRunner,
    message_id: int,
    reviewer_id: int,
    decision: ReviewerDecision,
    escalate_to: Role | None,
    refusal: str,
) -> None:
    runner.start(message_id)
    decision = decision.model_copy(update={"reviewer_id": reviewer_id})
    with pytest.raises(ReviewRefused, match=refusal):
        _submit(database, message_id, decision, escalate_to=escalate_to)
    with database.session() as session:
        assert session.scalars(select(Job).where(Job.kind == REVIEW_DECISION_JOB)).all() == []


def test_reassignment_names_the_new_reviewer(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    runner.start(message_id)
    with database.session() as session:
        other = User(username="olga", display_name="Olga", role=Role.REVIEWER, password_hash="x")
        session.add(other)
        session.flush()
        other_id = other.id
    decision = ReviewerDecision(action="reassign", reviewer_id=reviewer_id, assignee_id=other_id)
    job_id = _submit(database, message_id, decision)
    with database.session() as session:
        message = session.get(InboundMessage, message_id)
        job = session.get(Job, job_id)
        assert message is not None and job is not None
        assert message.assignee_id == other_id
        assert job.payload["reason"] == "reassigned to Olga"
