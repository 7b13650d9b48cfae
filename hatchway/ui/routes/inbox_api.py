"""JSON for the item page's script: keep the claim alive, follow a send's hold window."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from hatchway.review import decision_pending
from hatchway.review.claims import claim_state, release, take_claim
from hatchway.store.models import InboundStatus, Role, User
from hatchway.ui.auth import CsrfChecked, require_role
from hatchway.ui.deps import ClockDep, SessionDep, UiSettingsDep
from hatchway.ui.inbox.item import newest_outbox
from hatchway.ui.routes.inbox import get_message

__all__ = ["ClaimPublic", "ItemStatusPublic", "router"]

router = APIRouter(prefix="/api", tags=["inbox-api"])
_reviewer = Depends(require_role(Role.REVIEWER))


class ClaimPublic(BaseModel):
    """Whether the caller holds the item, and until when."""

    held: bool
    holder: str | None
    until: str | None


class ItemStatusPublic(BaseModel):
    """Where an item stands: its status, a decision in progress, its newest outbox entry."""

    status: InboundStatus
    pending: bool
    outbox_state: Literal["held", "sending", "sent", "cancelled", "returned"] | None
    seconds_left: float | None


@router.post("/inbox/{message_id}/heartbeat", dependencies=[_reviewer])
def heartbeat(
    message_id: int, user: CsrfChecked, session: SessionDep, ui: UiSettingsDep, now: ClockDep
) -> ClaimPublic:
    """Renew the caller's claim while the item is open (never takes it from someone else)."""
    message = get_message(session, message_id)
    acting = session.get(User, user.user_id)
    assert acting is not None
    take_claim(session, message_id=message_id, user=acting, now=now, minutes=ui.claim_minutes)
    state = claim_state(session, message, now)
    return ClaimPublic(
        held=state.holder_id == user.user_id,
        holder=state.holder_name,
        until=state.until.isoformat() if state.until else None,
    )


@router.post("/inbox/{message_id}/release", dependencies=[_reviewer])
def release_claim(message_id: int, user: CsrfChecked, session: SessionDep) -> ClaimPublic:
    """Give the item back when the reviewer moves on without deciding."""
    get_message(session, message_id)
    release(session, message_id=message_id, user_id=user.user_id)
    return ClaimPublic(held=False, holder=None, until=None)


@router.get("/inbox/{message_id}/status", dependencies=[_reviewer])
def status(message_id: int, session: SessionDep, now: ClockDep) -> ItemStatusPublic:
    """For the countdown after Send and the 'reopening' notice after Undo."""
    message = get_message(session, message_id)
    entry = newest_outbox(session, message_id)
    seconds = None
    if entry is not None and entry.state.value == "held":
        seconds = max(0.0, (entry.hold_until - now).total_seconds())
    return ItemStatusPublic(
        status=message.status,
        pending=decision_pending(session, message_id),
        outbox_state=entry.state.value if entry is not None else None,
        seconds_left=seconds,
    )
