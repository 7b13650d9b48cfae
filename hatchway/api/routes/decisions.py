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
from hatchway.review import RefusalKind, ReviewRefused, outranks, required_role, submit_decision
from hatchway.store import Database
from hatchway.store.models import User, utcnow

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


_REFUSED_AS: dict[RefusalKind, tuple[int, str]] = {
    RefusalKind.HELD_BY_ANOTHER: (409, "held_by_another"),
    RefusalKind.INACTIVE_REVIEWER: (422, "validation_error"),
    RefusalKind.INVALID: (422, "validation_error"),
}


def _decide(
    database: Database, message_id: int, create: DecisionCreate, key: AuthenticatedKey
) -> DecisionQueued:
    with database.session() as session:
        get_message(session, message_id)
        decision = _reviewer_decision(session, message_id, create, key)
    try:
        job_id = submit_decision(
            database,
            message_id=message_id,
            decision=decision,
            now=utcnow(),
            escalate_to=create.escalate_to,
            relayed_by=key.actor_name,
        )
    except ReviewRefused as refused:
        status, code = _REFUSED_AS.get(refused.kind, (409, "review_refused"))
        raise ApiError(status, code, f"Not done: {refused.reason}.") from None
    return DecisionQueued(message_id=message_id, job_id=job_id, action=create.action)


def _reviewer_decision(
    session: Session, message_id: int, create: DecisionCreate, key: AuthenticatedKey
) -> ReviewerDecision:
    """The decision as the review service takes it; ApiError when a field does not fit."""
    reviewer = _active_user(session, create.reviewer, field="reviewer")
    if create.action == "send":
        needed = required_role(session, message_id)
        if not outranks(key.role, needed):
            message = f"Sending this item needs an API key with the {needed.value} role."
            raise ApiError(403, "forbidden", message)
    assignee_id = None
    if create.action == "reject" and not (create.reason or "").strip():
        raise ApiError(422, "validation_error", "Say why it is rejected.", field="reason")
    if create.action == "escalate" and create.escalate_to is None:
        raise ApiError(422, "validation_error", "Choose ops or admin.", field="escalate_to")
    if create.action == "reassign":
        if create.assignee is None:
            raise ApiError(422, "validation_error", "Name the user.", field="assignee")
        assignee_id = _active_user(session, create.assignee, field="assignee").id
    return ReviewerDecision(
        action=create.action,
        reviewer_id=reviewer.id,
        subject=create.subject if create.action == "send" else None,
        body=create.body if create.action == "send" else None,
        reason=create.reason,
        assignee_id=assignee_id,
    )


def _active_user(session: Session, username: str, *, field: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise ApiError(422, "validation_error", f"No active user {username!r}.", field=field)
    return user
