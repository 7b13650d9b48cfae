"""What the review inbox (and the API) may do to an item: decide on it, or undo a send.

Decisions are validated here, where the reviewer is waiting for an answer, and then carried
out by a worker (job ``review_decision``), which resumes the item's graph thread under its
lease. Undo cancels the held send at once, in the database, and asks a worker to put the
thread back at the review step.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.errors import HatchwayError
from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.outbox import cancel_held
from hatchway.store import Database
from hatchway.store.jobs import enqueue
from hatchway.store.models import (
    ROLE_RANK,
    Draft,
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
    "ReviewRefused",
    "required_role",
    "role_required_by",
    "submit_decision",
    "undo_send",
]

REVIEW_DECISION_JOB = "review_decision"
REOPEN_REVIEW_JOB = "reopen_review"


class ReviewRefused(HatchwayError):
    """The decision or undo cannot be accepted; ``reason`` says why, for the person."""

    def __init__(self, message_id: int, reason: str) -> None:
        self.message_id = message_id
        self.reason = reason
        super().__init__(f"message {message_id}: {reason}")


def submit_decision(database: Database, *, message_id: int, decision: ReviewerDecision) -> int:
    """Validate a reviewer's decision and queue it for a worker. Returns the job id."""
    with database.session() as session:
        message = session.get(InboundMessage, message_id)
        if message is None or message.status != InboundStatus.IN_REVIEW:
            raise ReviewRefused(message_id, "it is not waiting for review")
        user = session.get(User, decision.reviewer_id)
        if user is None or not user.active:
            raise ReviewRefused(message_id, "the reviewer's account is not active")
        if _decision_pending(session, message_id):
            raise ReviewRefused(message_id, "a decision on it is already being carried out")
        needed = required_role(session, message_id)
        if decision.action == "send" and ROLE_RANK[user.role] < ROLE_RANK[needed]:
            raise ReviewRefused(message_id, f"sending it needs the {needed.value} role")
        job = enqueue(
            session,
            kind=REVIEW_DECISION_JOB,
            inbound_message_id=message_id,
            payload=decision.model_dump(mode="json"),
        )
        return job.id


def required_role(session: Session, message_id: int) -> Role:
    """The lowest role that may send this item: raised by rule hits asking for a role."""
    draft = session.scalar(
        select(Draft).where(Draft.inbound_message_id == message_id).order_by(Draft.id.desc())
    )
    return role_required_by(draft.rule_hits if draft is not None else [])


def role_required_by(rule_hits: Sequence[object]) -> Role:
    """The lowest role that may send a draft with these rule hits (a draft already read)."""
    needed = Role.REVIEWER
    for hit in rule_hits:
        role = _role_of(hit)
        if role is not None and ROLE_RANK[role] > ROLE_RANK[needed]:
            needed = role
    return needed


def _role_of(hit: object) -> Role | None:
    value = hit.get("role") if isinstance(hit, dict) else None
    return Role(value) if isinstance(value, str) and value in Role._value2member_map_ else None


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


def _decision_pending(session: Session, message_id: int) -> bool:
    pending = select(Job.id).where(
        Job.inbound_message_id == message_id,
        Job.kind.in_([REVIEW_DECISION_JOB, REOPEN_REVIEW_JOB]),
        Job.state.in_([JobState.QUEUED, JobState.RUNNING]),
    )
    return session.scalar(pending.limit(1)) is not None
