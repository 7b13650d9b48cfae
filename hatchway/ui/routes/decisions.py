"""Decisions on an item: Send (as drafted or edited), Reject, Escalate, Reassign, Undo.

Each is a POST with the CSRF token, goes through :mod:`hatchway.review` (which queues it
for a worker) and is refused with a clear message when the item is held by someone else
or the review service says no; the editor's text is kept on the re-rendered page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.review import ESCALATION_ROLES, ReviewRefused, submit_decision, undo_send
from hatchway.store.models import Role
from hatchway.ui.auth import CsrfChecked, require_role
from hatchway.ui.deps import ClockDep, DatabaseDep, TemplatesDep, UiSettingsDep
from hatchway.ui.inbox.queries import neighbours
from hatchway.ui.routes.inbox import get_message, render_item
from hatchway.ui.settings import UiSettings

__all__ = ["router"]

router = APIRouter(tags=["decisions"], dependencies=[Depends(require_role(Role.REVIEWER))])

Text = Annotated[str, Form(max_length=100_000)]
Short = Annotated[str, Form(max_length=2000)]


class _Context:
    """What every decision route needs, gathered once."""

    def __init__(
        self,
        request: Request,
        user: CsrfChecked,
        database: DatabaseDep,
        templates: TemplatesDep,
        ui: UiSettingsDep,
        now: ClockDep,
    ) -> None:
        self.request, self.user, self.database = request, user, database
        self.templates, self.ui, self.now = templates, ui, now


Ctx = Annotated[_Context, Depends()]


@router.post("/inbox/{message_id}/send")
def send(message_id: int, ctx: Ctx, subject: Short = "", body: Text = "") -> Response:
    """Send the reply as it stands in the editor (edited or not)."""
    decision = ReviewerDecision(
        action="send", reviewer_id=ctx.user.user_id, subject=subject or None, body=body or None
    )
    return _decide(ctx, message_id, decision, editor={"subject": subject, "body": body})


@router.post("/inbox/{message_id}/reject")
def reject(message_id: int, ctx: Ctx, reason: Short = "", note: Short = "") -> Response:
    """No reply; the reason (a choice plus free text) is the label the gate learns from."""
    text = ": ".join(part for part in (reason.strip(), note.strip()) if part)
    if not text:
        return _refused(ctx, message_id, "Say why it is rejected (pick a reason).", {})
    decision = ReviewerDecision(action="reject", reviewer_id=ctx.user.user_id, reason=text)
    return _decide(ctx, message_id, decision)


@router.post("/inbox/{message_id}/escalate")
def escalate(message_id: int, ctx: Ctx, role: Short = "", note: Short = "") -> Response:
    """Hand the item to a role (ops, admin); it stays in the inbox, marked for them."""
    if role not in {r.value for r in ESCALATION_ROLES}:
        return _refused(ctx, message_id, "Choose the role to escalate to.", {})
    decision = ReviewerDecision(action="escalate", reviewer_id=ctx.user.user_id, reason=note)
    return _decide(ctx, message_id, decision, escalate_to=Role(role))


@router.post("/inbox/{message_id}/reassign")
def reassign(message_id: int, ctx: Ctx, assignee_id: Short = "", note: Short = "") -> Response:
    """Hand the item to a person."""
    if not assignee_id.isdigit():
        return _refused(ctx, message_id, "Choose an active user to reassign to.", {})
    decision = ReviewerDecision(
        action="reassign", reviewer_id=ctx.user.user_id, reason=note, assignee_id=int(assignee_id)
    )
    return _decide(ctx, message_id, decision)


@router.post("/inbox/{message_id}/undo")
def undo(message_id: int, ctx: Ctx) -> Response:
    """Cancel a held reply within its hold window; the item comes back for review."""
    with ctx.database.session() as session:
        get_message(session, message_id)
    if not undo_send(ctx.database, message_id=message_id, user_id=ctx.user.user_id):
        return _refused(ctx, message_id, "Too late to undo: the reply is already on its way.", {})
    return RedirectResponse(f"/inbox/{message_id}?did=undo&done={message_id}", status_code=303)


def _decide(
    ctx: _Context,
    message_id: int,
    decision: ReviewerDecision,
    *,
    editor: dict[str, str] | None = None,
    escalate_to: Role | None = None,
) -> Response:
    try:
        submit_decision(
            ctx.database,
            message_id=message_id,
            decision=decision,
            now=ctx.now,
            escalate_to=escalate_to,
        )
    except ReviewRefused as refused:
        return _refused(ctx, message_id, f"Not done: {refused.reason}.", editor or {})
    with ctx.database.session() as session:
        message = get_message(session, message_id)
        _, following = neighbours(
            session,
            message_id=message_id,
            received_at=message.received_at,
            sort="oldest",
            user_id=ctx.user.user_id,
            now=ctx.now,
        )
    where = f"/inbox/{following}" if following is not None else "/inbox"
    return RedirectResponse(f"{where}?did={decision.action}&done={message_id}", status_code=303)


def _refused(ctx: _Context, message_id: int, error: str, editor: dict[str, str]) -> Response:
    ui: UiSettings = ctx.ui
    with ctx.database.session() as session:
        message = get_message(session, message_id)
        extra = {"error": error, "editor": editor}
        return render_item(
            ctx.request, ctx.templates, session, message, ctx.user, ctx.now, ui, extra,
            status_code=409,
        )  # fmt: skip
