"""The overview page: what has arrived, where each message stands, the categories' modes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from hatchway.store.models import Category, InboundMessage, InboundStatus, Mailbox, Role
from hatchway.ui.auth import require_role
from hatchway.ui.deps import SessionDep, TemplatesDep
from hatchway.ui.pages import render

__all__ = ["router"]

router = APIRouter(tags=["pages"], dependencies=[Depends(require_role(Role.REVIEWER))])

PAGE_SIZE = 100


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep, templates: TemplatesDep) -> HTMLResponse:
    """Counts by status, the newest messages, the categories and mailboxes."""
    counts = dict(
        session.execute(
            select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
        ).all()
    )
    messages = session.scalars(
        select(InboundMessage).order_by(InboundMessage.id.desc()).limit(PAGE_SIZE)
    ).all()
    context = {
        "statuses": [(status, counts.get(status, 0)) for status in InboundStatus],
        "total": sum(counts.values()),
        "messages": messages,
        "categories": session.scalars(select(Category).order_by(Category.name)).all(),
        "mailboxes": session.scalars(select(Mailbox).order_by(Mailbox.name)).all(),
    }
    return render(request, templates, "overview.html", context)


@router.get("/messages/{message_id}", response_class=HTMLResponse)
def message_detail(
    message_id: int, request: Request, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    """One stored message: its headers, status and reason, text, attachments and signals."""
    message = session.get(InboundMessage, message_id)
    if message is None:
        raise HTTPException(status_code=404, detail=f"no message {message_id}")
    return render(request, templates, "message.html", {"message": message})
