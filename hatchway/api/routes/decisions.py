"""Review decisions through the API: the same rules as the review inbox (hatchway.review)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.api.deps import DatabaseDep, ReviewerKey
from hatchway.api.errors import ApiError, ErrorResponse
from hatchway.api.keys import AuthenticatedKey
from hatchway.api.queries import get_message
from hatchway.api.schemas import DecisionCreate, DecisionQueued
from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.review import ReviewRefused, required_role, submit_decision
from hatchway.store import Database
from hatchway.store.models import ROLE_RANK, AuditEvent, InboundStatus, User, utcnow

__all__ = ["router"]

router = APIRouter(prefix="/messages", tags=["decisions"])

_RESPONSES: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorResponse, "description": "No such message."},
    409: {"model": ErrorResponse, "description": "Not waiting for review, or held by another."},
}


@router.post(
    "/{message_id}/decisions", status_code=202, response_model=DecisionQueued, responses=_RESPONSES
)
async def decide(
    message_id: Annotated[int, Path(ge=1, le=2**62)],
    decision: DecisionCreate,
    key: ReviewerKey,
    database: DatabaseDep,
) -> DecisionQueued:
    """Send, reject, escalate or reassign an item waiting for review, for a named reviewer.

    Accepted only while the item waits for review; a worker carries the decision out
    (202). Sending an item whose rules ask for a higher role needs that role on both the
    reviewer and the API key.
    """
    return await run_in_threadpool(_decide, database, message_id, decision, key)


def _decide(
    database: Database, message_id: int, create: DecisionCreate, key: AuthenticatedKey
) -> DecisionQueued:
    with database.session() as session:
        get_message(session, message_id)
        decision = _reviewer_decision(session, message_id, create, key)
    try:
        job_id = submit_decision(database, message_id=message_id, decision=decision)
    except ReviewRefused as refused:
        raise ApiError(409, "review_refused", f"Not done: {refused.reason}.") from None
    with database.session() as session:
        message = get_message(session, message_id)
        session.add(_audit_event(message_id, create, key, job_id))
        if create.action == "escalate":
            message.assigned_role = create.escalate_to
        elif create.action == "reassign":
            message.assignee_id = decision.assignee_id
    return DecisionQueued(message_id=message_id, job_id=job_id, action=create.action)


def _audit_event(
    message_id: int, create: DecisionCreate, key: AuthenticatedKey, job_id: int
) -> AuditEvent:
    """Which key relayed whose decision: the review trail names the reviewer, this the key."""
    return AuditEvent(
        actor=key.actor_name,
        action="review.decision_via_api",
        subject_type="inbound_message",
        subject_id=str(message_id),
        details={"action": create.action, "reviewer": create.reviewer, "job_id": job_id},
    )


def _reviewer_decision(
    session: Session, message_id: int, create: DecisionCreate, key: AuthenticatedKey
) -> ReviewerDecision:
    """The decision as the review service takes it; ApiError when a field does not fit."""
    reviewer = _active_user(session, create.reviewer, field="reviewer")
    _check_not_held(session, message_id, reviewer)
    if create.action == "send":
        needed = required_role(session, message_id)
        if ROLE_RANK[key.role] < ROLE_RANK[needed]:
            message = f"Sending this item needs an API key with the {needed.value} role."
            raise ApiError(403, "forbidden", message)
    reason, assignee_id = _reason_and_assignee(session, create)
    return ReviewerDecision(
        action=create.action,
        reviewer_id=reviewer.id,
        subject=create.subject if create.action == "send" else None,
        body=create.body if create.action == "send" else None,
        reason=reason,
        assignee_id=assignee_id,
    )


def _reason_and_assignee(session: Session, create: DecisionCreate) -> tuple[str | None, int | None]:
    note = (create.reason or "").strip()
    if create.action == "reject":
        if not note:
            raise ApiError(422, "validation_error", "Say why it is rejected.", field="reason")
        return note, None
    if create.action == "escalate":
        if create.escalate_to is None:
            raise ApiError(422, "validation_error", "Choose ops or admin.", field="escalate_to")
        return f"escalated to {create.escalate_to.value}" + (f": {note}" if note else ""), None
    if create.action == "reassign":
        if create.assignee is None:
            raise ApiError(422, "validation_error", "Name the user.", field="assignee")
        target = _active_user(session, create.assignee, field="assignee")
        reason = f"reassigned to {target.display_name}" + (f": {note}" if note else "")
        return reason, target.id
    return note or None, None


def _active_user(session: Session, username: str, *, field: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise ApiError(422, "validation_error", f"No active user {username!r}.", field=field)
    return user


def _check_not_held(session: Session, message_id: int, reviewer: User) -> None:
    # The review inbox refuses a decision on an item someone else has open; so does the API.
    message = get_message(session, message_id)
    if message.status != InboundStatus.IN_REVIEW or message.claimed_by_id in (None, reviewer.id):
        return
    if message.claimed_until is not None and message.claimed_until > utcnow():
        holder = session.get(User, message.claimed_by_id)
        name = holder.display_name if holder is not None else "another reviewer"
        raise ApiError(409, "held_by_another", f"Not done: the item is open with {name}.")
