"""/quarantine: mail that could not be parsed, with its reason and raw source; Retry, Dismiss."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hatchway.store.models import InboundMessage, InboundStatus, Role
from hatchway.ui.auth import CsrfChecked, require_role
from hatchway.ui.deps import ClockDep, SessionDep, SettingsDep, TemplatesDep, UiSettingsDep
from hatchway.ui.pages import render
from hatchway.ui.quarantine import dismiss, list_quarantine, retry_parse

__all__ = ["router"]

router = APIRouter(tags=["quarantine"], dependencies=[Depends(require_role(Role.REVIEWER))])
RAW_LIMIT = 200_000  # characters of raw source shown; the rest is summarised


@router.get("/quarantine", response_class=HTMLResponse)
def quarantine(
    request: Request, session: SessionDep, templates: TemplatesDep, ui: UiSettingsDep
) -> HTMLResponse:
    """Quarantined messages, newest first (dismissed ones are hidden)."""
    rows, total = list_quarantine(session, limit=ui.page_size)
    return render(request, templates, "quarantine.html", {"rows": rows, "total": total})


@router.get("/quarantine/{message_id}", response_class=HTMLResponse)
def quarantined(
    message_id: int, request: Request, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    """One quarantined message: the reason and the raw source, escaped."""
    message = _get(session, message_id, quarantined_only=False)
    raw = message.raw.decode("utf-8", errors="replace")
    context = {
        "message": message,
        "raw": raw[:RAW_LIMIT],
        "cut": max(0, len(raw) - RAW_LIMIT),
        "size": len(message.raw),
    }
    return render(request, templates, "quarantine_item.html", context)


@router.post("/quarantine/{message_id}/retry")
def retry(
    message_id: int, user: CsrfChecked, session: SessionDep, settings: SettingsDep
) -> Response:
    """Parse the stored bytes again; parsed mail goes on to triage."""
    message = _get(session, message_id)
    outcome = retry_parse(
        session,
        message,
        own_domains=frozenset(settings.own_domains),
        actor=user.username,
        actor_user_id=user.user_id,
    )
    result = "parsed" if outcome.status != InboundStatus.QUARANTINED else "still-quarantined"
    return RedirectResponse(f"/quarantine/{message_id}?retry={result}", status_code=303)


@router.post("/quarantine/{message_id}/dismiss", dependencies=[Depends(require_role(Role.OPS))])
def dismiss_message(
    message_id: int, user: CsrfChecked, session: SessionDep, now: ClockDep
) -> Response:
    """Hide it from the list (ops): it stays stored and quarantined; the audit log says who."""
    message = _get(session, message_id)
    dismiss(session, message, now=now, actor=user.username, actor_user_id=user.user_id)
    return RedirectResponse("/quarantine", status_code=303)


def _get(session: Session, message_id: int, *, quarantined_only: bool = True) -> InboundMessage:
    message = session.get(InboundMessage, message_id)
    if message is None:
        raise HTTPException(404, f"There is no message {message_id}.")
    if quarantined_only and message.status != InboundStatus.QUARANTINED:
        raise HTTPException(409, f"Message {message_id} is not quarantined.")
    return message
