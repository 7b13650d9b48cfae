"""Decisions and undo as the inbox submits them, carried out the way a worker does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.graphs.runner import TriageRunner
from hatchway.review import (
    REOPEN_REVIEW_JOB,
    REVIEW_DECISION_JOB,
    ReviewRefused,
    submit_decision,
    undo_send,
)
from hatchway.store import Database
from hatchway.store.jobs import claim_job, finish_job
from hatchway.store.models import (
    Draft,
    InboundMessage,
    InboundStatus,
    OutboxEntry,
    OutboxState,
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


def _send(reviewer_id: int, body: str | None = None) -> ReviewerDecision:
    return ReviewerDecision(action="send", reviewer_id=reviewer_id, body=body)


def test_send_undo_and_send_again_gives_one_live_entry(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    runner.start(message_id)
    submit_decision(database, message_id=message_id, decision=_send(reviewer_id))
    with pytest.raises(ReviewRefused, match="already being carried out"):
        submit_decision(database, message_id=message_id, decision=_send(reviewer_id))
    _work(database, runner)
    with database.session() as session:  # a long hold, so the undo is in time
        session.execute(update(OutboxEntry).values(hold_until=utcnow() + timedelta(minutes=5)))
    assert undo_send(database, message_id=message_id, user_id=reviewer_id)
    _work(database, runner)
    assert runner.waiting_for_review(message_id)
    submit_decision(database, message_id=message_id, decision=_send(reviewer_id, body="Fixed text"))
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
        submit_decision(database, message_id=message_id, decision=_send(reviewer_id))


def test_an_inactive_reviewer_cannot_decide(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    runner.start(message_id)
    with database.session() as session:
        session.execute(update(User).values(active=False))
    with pytest.raises(ReviewRefused, match="not active"):
        submit_decision(database, message_id=message_id, decision=_send(reviewer_id))


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
        submit_decision(database, message_id=message_id, decision=_send(reviewer_id))
    reject = ReviewerDecision(action="reject", reviewer_id=reviewer_id, reason="no")
    assert submit_decision(database, message_id=message_id, decision=reject) > 0


def test_undo_after_the_hold_is_refused(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    runner.start(message_id)
    submit_decision(database, message_id=message_id, decision=_send(reviewer_id))
    _work(database, runner)
    with database.session() as session:
        session.execute(update(OutboxEntry).values(state=OutboxState.SENDING))
    assert not undo_send(database, message_id=message_id, user_id=reviewer_id)
    with database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None and message.status == InboundStatus.APPROVED
