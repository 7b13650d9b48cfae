"""Claims: whoever opens an item holds it for a while, so two reviewers never work on one.

A claim is renewed while the item stays open and lapses on its own otherwise. Someone else
may act only once it lapsed, or after taking it over explicitly (an audit event).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from hatchway.store.models import AuditEvent, InboundMessage, InboundStatus, User

__all__ = ["CLAIM_FIELDS", "ClaimState", "claim_is_free", "claim_state", "release", "take_claim"]

CLAIM_FIELDS = ["claimed_by_id", "claimed_at", "claimed_until", "assignee_id", "assigned_role"]


@dataclass(frozen=True)
class ClaimState:
    """Who holds an item now (None: nobody, or the claim lapsed)."""

    holder_id: int | None
    holder_name: str | None
    since: datetime | None
    until: datetime | None

    def held_by_other(self, user_id: int) -> bool:
        """True when someone else holds a live claim."""
        return self.holder_id is not None and self.holder_id != user_id


def claim_state(session: Session, message: InboundMessage, now: datetime) -> ClaimState:
    """The live claim on ``message``, if any."""
    until = message.claimed_until
    if message.claimed_by_id is None or until is None or until <= now:
        return ClaimState(None, None, None, None)
    holder = session.get(User, message.claimed_by_id)
    name = holder.display_name if holder is not None else f"user {message.claimed_by_id}"
    return ClaimState(message.claimed_by_id, name, message.claimed_at, until)


def claim_is_free(user_id: int, now: datetime) -> ColumnElement[bool]:
    """SQL: nobody else holds a live claim on the item (the query form of ``held_by_other``)."""
    return or_(
        InboundMessage.claimed_by_id.is_(None),
        InboundMessage.claimed_by_id == user_id,
        InboundMessage.claimed_until <= now,
    )


def take_claim(
    session: Session,
    *,
    message_id: int,
    user: User,
    now: datetime,
    minutes: float,
    take_over: bool = False,
) -> bool:
    """Claim (or renew) the item for ``user``; True when they hold it afterwards.

    One conditional UPDATE, so two reviewers opening the item at once cannot both win.
    Without ``take_over`` a live claim of someone else is left alone.
    """
    previous = session.get(InboundMessage, message_id)
    if previous is None or previous.status != InboundStatus.IN_REVIEW:
        return False
    before = claim_state(session, previous, now)
    keep_since = before.holder_id == user.id and before.since is not None
    values = {
        "claimed_by_id": user.id,
        "claimed_until": now + timedelta(minutes=minutes),
        "claimed_at": before.since if keep_since else now,
    }
    query = update(InboundMessage).where(
        InboundMessage.id == message_id, InboundMessage.status == InboundStatus.IN_REVIEW
    )
    if not take_over:
        query = query.where(claim_is_free(user.id, now))
    query = query.values(**values).execution_options(synchronize_session=False)
    won = bool(session.execute(query).rowcount)  # type: ignore[attr-defined]
    if won and take_over and before.held_by_other(user.id):
        session.add(
            AuditEvent(
                actor=user.username,
                actor_user_id=user.id,
                action="review.claim_taken_over",
                subject_type="inbound_message",
                subject_id=str(message_id),
                details={"from_user_id": before.holder_id, "held_since": str(before.since)},
            )
        )
    if won:  # what we wrote is what the row holds now: no need to read it back
        for name, value in values.items():
            set_committed_value(previous, name, value)
    else:
        session.expire(previous, CLAIM_FIELDS)
    return won


def release(session: Session, *, message_id: int, user_id: int) -> None:
    """Give the item back (only a claim of ``user_id`` is released)."""
    session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message_id, InboundMessage.claimed_by_id == user_id)
        .values(claimed_by_id=None, claimed_until=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
