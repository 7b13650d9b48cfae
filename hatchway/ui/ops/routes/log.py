"""/ops/audit-log: who did what, when; newest first, paged, filtered by action (ops, admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from hatchway.ui.deps import ClockDep, SessionDep, TemplatesDep
from hatchway.ui.ops.audit_log import audit_log, known_actions
from hatchway.ui.ops.deps import OpsOnly, OpsSettingsDep, ReadOnly, frame
from hatchway.ui.pages import render

__all__ = ["router"]

# Ops only: the log holds sign-in failures with client addresses, not a reviewer's business.
router = APIRouter(tags=["ops"], dependencies=[ReadOnly, OpsOnly])


@router.get("/ops/audit-log", response_class=HTMLResponse)
def audit_log_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    now: ClockDep,
    ops: OpsSettingsDep,
    action: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """A page of the audit log."""
    context = {
        **frame(request, session, now=now, settings=ops, section="log"),
        "log": audit_log(session, action=action, page=page, page_size=ops.log_page_size),
        "actions": known_actions(session),
        "action": action,
    }
    return render(request, templates, "ops/audit_log.html", context)
