"""/ops/models: the model pinned to each node (and the gate); the kill switches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from hatchway.policies.automation import set_kill_switch
from hatchway.store.models import Category
from hatchway.ui.auth import CsrfChecked
from hatchway.ui.deps import ClockDep, DatabaseDep, SessionDep, TemplatesDep
from hatchway.ui.ops.deps import OpsOnly, OpsSettingsDep, ReadOnly, actor_of, frame
from hatchway.ui.ops.forms import KillSwitchForm
from hatchway.ui.ops.pins import model_pins
from hatchway.ui.pages import render

__all__ = ["router"]

router = APIRouter(tags=["ops"], dependencies=[ReadOnly])


@router.get("/ops/models", response_class=HTMLResponse)
def models_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    now: ClockDep,
    ops: OpsSettingsDep,
    error: str = "",
) -> HTMLResponse:
    """Pins per node and every kill switch, with on/off forms for ops."""
    categories = session.execute(
        select(Category.name, Category.mode, Category.kill_switch)
        .where(Category.answerable.is_(True))
        .order_by(Category.name)
    ).all()
    context = {
        **frame(request, session, now=now, settings=ops, section="models"),
        "pins": model_pins(session),
        "categories": categories,
        "error": "Give a reason for the kill switch (kept in the audit log)." if error else None,
    }
    return render(request, templates, "ops/models.html", context)


@router.post("/ops/kill-switch", dependencies=[OpsOnly])
def global_kill_switch(
    form: Annotated[KillSwitchForm, Form()], user: CsrfChecked, database: DatabaseDep
) -> Response:
    """Stop every auto-send now (also replies in the hold window), or allow them again."""
    if not form.reason:
        return RedirectResponse("/ops/models?error=reason", status_code=303)
    on = form.enabled == "on"
    with database.session() as session:
        set_kill_switch(session, enabled=on, actor=actor_of(user), reason=form.reason)
    return RedirectResponse(f"/ops/models?done={'stopped-all' if on else 'resumed-all'}", 303)
