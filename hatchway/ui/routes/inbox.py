"""The review inbox: the list, one item (claimed on opening), its framed body, its claim."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, defer

from hatchway.review import ESCALATION_ROLES
from hatchway.review.claims import CLAIM_FIELDS, claim_state, release, take_claim
from hatchway.store.models import InboundMessage, InboundStatus, Role, User
from hatchway.ui.auth import CsrfChecked, CurrentUser, SignedIn, require_role
from hatchway.ui.deps import ClockDep, SessionDep, TemplatesDep, UiSettingsDep
from hatchway.ui.inbox.item import load_item
from hatchway.ui.inbox.mail_html import BODY_CSP, framed_document
from hatchway.ui.inbox.queries import InboxFilters, list_inbox, neighbours
from hatchway.ui.inbox.reasons import (
    DONE_NOTICES,
    REJECT_REASONS,
    REVIEW_REASON_KINDS,
)
from hatchway.ui.pages import render
from hatchway.ui.settings import UiSettings

__all__ = ["all_users", "get_message", "render_item", "router"]

router = APIRouter(tags=["inbox"], dependencies=[Depends(require_role(Role.REVIEWER))])


@router.get("/inbox", response_class=HTMLResponse)
def inbox(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    templates: TemplatesDep,
    ui: UiSettingsDep,
    now: ClockDep,
    filters: Annotated[InboxFilters, Query()],
    done: int | None = None,
    did: str | None = None,
) -> HTMLResponse:
    """Items waiting for a person, with filters, counts per category and paging."""
    page = list_inbox(
        session,
        filters,
        user_id=user.user_id,
        now=now,
        sla=timedelta(hours=ui.review_sla_hours),
        page_size=ui.page_size,
        counts_cache=request.app.state.inbox_counts,
    )
    users = session.execute(select(User.id, User.display_name).where(User.active)).all()
    context = {
        "page": page,
        "filters": filters,
        "users": users,
        "sla_hours": ui.review_sla_hours,
        "reason_kinds": REVIEW_REASON_KINDS,
        "now": now,
        "done": done,
        "done_notice": DONE_NOTICES.get(did or ""),
        "did_send": did == "send",
    }
    return render(request, templates, "inbox.html", context)


@router.get("/inbox/{message_id}", response_class=HTMLResponse)
def item(
    message_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    templates: TemplatesDep,
    ui: UiSettingsDep,
    now: ClockDep,
    view: str = "html",
    sort: str = "oldest",
    done: int | None = None,
    did: str | None = None,
) -> HTMLResponse:
    """One item; opening it claims it for a while unless someone else holds it."""
    message = get_message(session, message_id)
    people = all_users(session)  # read once: the claim, the page and the reassign list use them
    if message.status == InboundStatus.IN_REVIEW:
        acting = session.get(User, user.user_id)  # from the identity map, no query
        assert acting is not None
        take_claim(session, message_id=message_id, user=acting, now=now, minutes=ui.claim_minutes)
    extra = {
        "view": view,
        "sort": sort,
        "done": done,
        "done_notice": DONE_NOTICES.get(did or ""),
        "did_send": did == "send",
    }
    return render_item(request, templates, session, message, user, now, ui, extra, people=people)


def all_users(session: Session) -> Sequence[User]:
    """Every user (a handful), loaded into the session so ``session.get(User, id)`` is free."""
    return session.scalars(select(User)).all()


def get_message(session: Session, message_id: int) -> InboundMessage:
    """The message (without its raw bytes, which no inbox page shows), or 404."""
    message = session.get(InboundMessage, message_id, options=[defer(InboundMessage.raw)])
    if message is None:
        raise HTTPException(404, f"There is no message {message_id}.")
    return message


def render_item(
    request: Request,
    templates: Jinja2Templates,
    session: Session,
    message: InboundMessage,
    user: SignedIn,
    now: Any,
    ui: UiSettings,
    extra: dict[str, Any],
    *,
    status_code: int = 200,
    people: Sequence[User] | None = None,
) -> HTMLResponse:
    """The item page (also re-rendered by a refused decision, with the editor text kept);
    ``people`` are all users when the caller has read them already."""
    stale = set(CLAIM_FIELDS) & inspect(message).unloaded  # a lost claim race expires them
    if stale:
        session.refresh(message, sorted(stale))
    people = all_users(session) if people is None else people
    sort = str(extra.get("sort") or "oldest")
    previous, following = neighbours(
        session,
        message_id=message.id,
        received_at=message.received_at,
        sort=sort,
        user_id=user.user_id,
        now=now,
    )
    users = [(p.id, p.display_name, p.role) for p in people if p.active]
    users.sort(key=lambda person: person[1])
    claim = claim_state(session, message, now)
    context = {
        "item": load_item(session, message, {p.id: p.display_name for p in people}),
        "claim": claim,
        "in_review": message.status == InboundStatus.IN_REVIEW,
        "mine": claim.holder_id == user.user_id,
        "held_by_other": claim.held_by_other(user.user_id),
        "previous_id": previous,
        "next_id": following,
        "users": users,
        "reject_reasons": REJECT_REASONS,
        "escalation_roles": ESCALATION_ROLES,
        "claim_seconds": int(ui.claim_minutes * 60),
        "now": now,
        **extra,
    }
    return render(request, templates, "item.html", context, status_code=status_code)


@router.get("/inbox/{message_id}/body", response_class=HTMLResponse)
def body(message_id: int, session: SessionDep) -> HTMLResponse:
    """The sanitised HTML for the sandboxed frame, under a CSP that loads nothing at all."""
    message = get_message(session, message_id)
    headers = {
        "Content-Security-Policy": BODY_CSP,
        "X-Frame-Options": "SAMEORIGIN",
        "Cache-Control": "no-store",
    }
    return HTMLResponse(framed_document(message.html_body or ""), headers=headers)


@router.post("/inbox/{message_id}/claim")
def claim(
    message_id: int,
    user: CsrfChecked,
    session: SessionDep,
    ui: UiSettingsDep,
    now: ClockDep,
    take_over: Annotated[bool, Form()] = False,
) -> Response:
    """Claim the item, or take it over from whoever holds it (recorded in the audit log)."""
    get_message(session, message_id)
    acting = session.get(User, user.user_id)
    assert acting is not None
    take_claim(
        session,
        message_id=message_id,
        user=acting,
        now=now,
        minutes=ui.claim_minutes,
        take_over=take_over,
    )
    return RedirectResponse(f"/inbox/{message_id}", status_code=303)


@router.post("/inbox/{message_id}/release")
def release_claim(message_id: int, user: CsrfChecked, session: SessionDep) -> Response:
    """Give the item back to the queue."""
    get_message(session, message_id)
    release(session, message_id=message_id, user_id=user.user_id)
    return RedirectResponse("/inbox", status_code=303)
