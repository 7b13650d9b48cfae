"""What a reviewer (in the inbox, or through the API) may do to an item: decide, or undo a send.

A decision is checked and recorded here, in one transaction, where the reviewer is waiting
for an answer: the item must wait for review, the reviewer be active, nobody else hold the
item, no other decision be under way, and the reviewer's role be high enough to send it.
Then a job is queued for a worker (``review_decision``), which resumes the item's graph
thread under its lease; the reviewer's claim is released and an escalation or reassignment
is recorded on the item at once, so the inbox shows it before the worker runs.

Undo cancels the held send at once, in the database, and asks a worker to put the thread
back at the review step.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hatchway.errors import HatchwayError
from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.outbox import cancel_held
from hatchway.review.claims import claim_state, release
from hatchway.review.roles import ESCALATION_ROLES, outranks, required_role
from hatchway.store import Database
from hatchway.store.jobs import enqueue
from hatchway.store.models import (
    AuditEvent,
    InboundMessage,
    InboundStatus,
    Job,
    JobState,
    OutboxEntry,
    OutboxState,
    Role,
    User,
)

__all__ = [
    "REOPEN_REVIEW_JOB",
    "REVIEW_DECISION_JOB",
    "RefusalKind",
    "ReviewRefused",
    "decision_pending",
    "decision_pending_clause",
    "submit_decision",
    "undo_send",
]

REVIEW_DECISION_JOB = "review_decision"
REOPEN_REVIEW_JOB = "reopen_review"


class RefusalKind(enum.StrEnum):
    """Why a decision was refused, for callers that answer differently per kind (the API)."""

    NOT_IN_REVIEW = "not_in_review"
    INACTIVE_REVIEWER = "inactive_reviewer"
    HELD_BY_ANOTHER = "held_by_another"
    DECISION_PENDING = "decision_pending"
    ROLE_TOO_LOW = "role_too_low"
    INVALID = "invalid"


class ReviewRefused(HatchwayError):
    """The decision or undo cannot be accepted; ``reason`` says why, for the person."""

    def __init__(self, message_id: int, reason: str, kind: RefusalKind = RefusalKind.INVALID):
        self.message_id = message_id
        self.reason = reason
        self.kind = kind
        super().__init__(f"message {message_id}: {reason}")


def submit_decision(
    database: Database,
    *,
    message_id: int,
    decision: ReviewerDecision,
    now: datetime,
    escalate_to: Role | None = None,
    relayed_by: str | None = None,
) -> int:
    """Check a reviewer's decision, record it and queue it for a worker. Returns the job id.

    ``decision.reason`` is the reviewer's own words; for an escalation (to ``escalate_to``)
    or a reassignment (to ``decision.assignee_id``) it becomes the note after what was done.
    ``relayed_by`` names the API key that relayed the decision, for the audit trail.
    Raises :class:`ReviewRefused` saying why it cannot be accepted.
    """
    with database.session() as session:
        message = session.get(InboundMessage, message_id, with_for_update=True)
        reviewer = session.get(User, decision.reviewer_id)
        _check(session, message_id, message, reviewer, decision, now)
        assert message is not None and reviewer is not None  # _check refused otherwise
        decision = _with_reason(session, message_id, decision, escalate_to)
        job = enqueue(
            session,
            kind=REVIEW_DECISION_JOB,
            inbound_message_id=message_id,
            payload=decision.model_dump(mode="json"),
        )
        release(session, message_id=message_id, user_id=reviewer.id)
        if decision.action == "escalate":
            message.assigned_role = escalate_to
        elif decision.action == "reassign":
            message.assignee_id = decision.assignee_id
        if relayed_by is not None:
            session.add(_relayed(message_id, decision, reviewer, relayed_by, job.id))
        return job.id


def _check(
    session: Session,
    message_id: int,
    message: InboundMessage | None,
    reviewer: User | None,
    decision: ReviewerDecision,
    now: datetime,
) -> None:
    if message is None or message.status != InboundStatus.IN_REVIEW:
        raise ReviewRefused(message_id, "it is not waiting for review", RefusalKind.NOT_IN_REVIEW)
    if reviewer is None or not reviewer.active:
        reason = "the reviewer's account is not active"
        raise ReviewRefused(message_id, reason, RefusalKind.INACTIVE_REVIEWER)
    claim = claim_state(session, message, now)
    if claim.held_by_other(reviewer.id):
        reason = (
            f"this item is held by {claim.holder_name}, who opened it; "
            "take it over first if you need to act on it"
        )
        raise ReviewRefused(message_id, reason, RefusalKind.HELD_BY_ANOTHER)
    if decision_pending(session, message_id):
        reason = "a decision on it is already being carried out"
        raise ReviewRefused(message_id, reason, RefusalKind.DECISION_PENDING)
    needed = required_role(session, message_id)
    if decision.action == "send" and not outranks(reviewer.role, needed):
        reason = f"sending it needs the {needed.value} role"
        raise ReviewRefused(message_id, reason, RefusalKind.ROLE_TOO_LOW)


def _with_reason(
    session: Session, message_id: int, decision: ReviewerDecision, escalate_to: Role | None
) -> ReviewerDecision:
    """The decision as the graph takes it: what was done, then the reviewer's note."""
    note = (decision.reason or "").strip()
    if decision.action == "reject":
        if not note:
            raise ReviewRefused(message_id, "say why it is rejected")
        return decision.model_copy(update={"reason": note})
    if decision.action == "escalate":
        if escalate_to not in ESCALATION_ROLES:
            roles = " or ".join(role.value for role in ESCALATION_ROLES)
            raise ReviewRefused(message_id, f"choose the role to escalate to ({roles})")
        done = f"escalated to {escalate_to}"
    elif decision.action == "reassign":
        target = session.get(User, decision.assignee_id) if decision.assignee_id else None
        if target is None or not target.active:
            raise ReviewRefused(message_id, "choose an active user to reassign to")
        done = f"reassigned to {target.display_name}"
    else:
        return decision.model_copy(update={"reason": note or None})
    return decision.model_copy(update={"reason": done + (f": {note}" if note else "")})


def _relayed(
    message_id: int, decision: ReviewerDecision, reviewer: User, key_name: str, job_id: int
) -> AuditEvent:
    """Which key relayed whose decision: the review trail names the reviewer, this the key."""
    return AuditEvent(
        actor=key_name,
        action="review.decision_via_api",
        subject_type="inbound_message",
        subject_id=str(message_id),
        details={"action": decision.action, "reviewer": reviewer.username, "job_id": job_id},
    )


def decision_pending(session: Session, message_id: int) -> bool:
    """True while a decision or an undo on the item waits for (or is with) a worker."""
    return bool(session.scalar(select(decision_pending_clause(message_id))))


def decision_pending_clause(message_id: int) -> ColumnElement[bool]:
    """SQL for :func:`decision_pending`, to read it in the same query as other things."""
    return exists().where(
        Job.inbound_message_id == message_id,
        Job.kind.in_([REVIEW_DECISION_JOB, REOPEN_REVIEW_JOB]),
        Job.state.in_([JobState.QUEUED, JobState.RUNNING]),
    )


def undo_send(database: Database, *, message_id: int, user_id: int) -> bool:
    """Cancel the held reply to ``message_id``; False when it is already on its way."""
    with database.session() as session:
        entry = session.scalar(
            select(OutboxEntry).where(
                OutboxEntry.inbound_message_id == message_id,
                OutboxEntry.state == OutboxState.HELD,
            )
        )
        if entry is None:
            return False
        if not cancel_held(session, entry.id, by_user=user_id, reason="undone by a reviewer"):
            return False
        enqueue(session, kind=REOPEN_REVIEW_JOB, inbound_message_id=message_id)
        return True
