"""/ops/audit: sampled auto-sent replies waiting for a verdict (ops and admin).

A verdict goes through :func:`hatchway.policies.audit.record_verdict`, which demotes the
category when its audited error is, with 95% confidence, above its target.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from hatchway.policies.audit import VerdictRefused, audit_stats, record_verdict
from hatchway.store.models import AuditSample, Category
from hatchway.ui.auth import CsrfChecked
from hatchway.ui.deps import ClockDep, DatabaseDep, SessionDep, TemplatesDep
from hatchway.ui.ops.audit_queue import audit_queue
from hatchway.ui.ops.deps import OpsOnly, OpsSettingsDep, ReadOnly, actor_of, frame
from hatchway.ui.ops.forms import VerdictForm
from hatchway.ui.pages import render

__all__ = ["router"]

router = APIRouter(tags=["ops"], dependencies=[ReadOnly, OpsOnly])


@router.get("/ops/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    now: ClockDep,
    ops: OpsSettingsDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """The queue, pending first, with the audited error per category so far."""
    queue = audit_queue(session, page=page, page_size=ops.audit_page_size)
    categories = sorted(set(session.scalars(select(AuditSample.category).distinct())))
    targets = dict(session.execute(select(Category.name, Category.target_error)).all())
    stats = [(audit_stats(session, name), targets.get(name)) for name in categories]
    context = {
        **frame(request, session, now=now, settings=ops, section="audit"),
        "queue": queue,
        "stats": stats,
    }
    return render(request, templates, "ops/audit.html", context)


@router.post("/ops/audit/{sample_id}/verdict")
def verdict(
    sample_id: int,
    form: Annotated[VerdictForm, Form()],
    user: CsrfChecked,
    database: DatabaseDep,
) -> Response:
    """Correct, or would have changed (with a note): stored, audited, maybe demoting."""
    try:
        with database.session() as session:
            record_verdict(
                session,
                sample_id=sample_id,
                verdict=form.verdict,
                actor=actor_of(user),
                note=form.note or None,
            )
    except VerdictRefused:
        raise HTTPException(
            409, f"Audit sample {sample_id} does not exist or already has a verdict."
        ) from None
    return RedirectResponse(f"/ops/audit?done=verdict#sample-{sample_id}", status_code=303)
