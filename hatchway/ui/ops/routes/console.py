"""/ops: the categories table with evidence and mode buttons, the charts; one category's page."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from hatchway.policies.gate_state import current_gate_version
from hatchway.ui.deps import ClockDep, SessionDep, TemplatesDep
from hatchway.ui.ops.category_table import category_rows
from hatchway.ui.ops.chart import automation_chart, error_chart
from hatchway.ui.ops.deps import OpsSettingsDep, ReadOnly, frame
from hatchway.ui.ops.history import category_history
from hatchway.ui.ops.periods import window_start
from hatchway.ui.ops.settings import OpsSettings
from hatchway.ui.ops.timeline import daily_series
from hatchway.ui.pages import render

__all__ = ["render_category", "router"]

router = APIRouter(tags=["ops"], dependencies=[ReadOnly])


@router.get("/ops", response_class=HTMLResponse)
def console(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    now: ClockDep,
    ops: OpsSettingsDep,
) -> HTMLResponse:
    """Every category's numbers, evidence and mode; automation rate and audited error by day."""
    gate_version = current_gate_version(session)
    rows = category_rows(
        session, since=window_start(now, ops.window_days), gate_version=gate_version
    )
    targets = {row.name: row.target_error for row in rows}
    series = daily_series(session, now=now, days=ops.window_days, targets=targets)
    context = {
        **frame(request, session, now=now, settings=ops, section="categories"),
        "rows": rows,
        "gate_version": gate_version,
        "charts": [(s, automation_chart(s), error_chart(s)) for s in series],
    }
    return render(request, templates, "ops/console.html", context)


@router.get("/ops/categories/{name}", response_class=HTMLResponse)
def category_page(
    name: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    now: ClockDep,
    ops: OpsSettingsDep,
) -> HTMLResponse:
    """One category: its evidence in full, shadow comparison, audits, history, controls."""
    return render_category(request, templates, session, name=name, now=now, ops=ops)


def render_category(
    request: Request,
    templates: Jinja2Templates,
    session: Session,
    *,
    name: str,
    now: datetime,
    ops: OpsSettings,
    refused: list[str] | None = None,
    refused_to: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The category page, optionally with a refused promotion or a form error on it."""
    gate_version = current_gate_version(session)
    since = window_start(now, ops.window_days)
    rows = category_rows(session, since=since, gate_version=gate_version)
    row = next((r for r in rows if r.name == name), None)
    if row is None:
        raise HTTPException(404, f"There is no category {name!r}.")
    context = {
        **frame(request, session, now=now, settings=ops, section="categories"),
        "row": row,
        "gate_version": gate_version,
        "history": category_history(session, name=name),
        "refused": refused,
        "refused_to": refused_to,
        "error": error,
    }
    return render(request, templates, "ops/category.html", context, status_code=status_code)
