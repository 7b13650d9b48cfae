"""/ops/costs: tokens, money and energy per day and month, per category by node and model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from hatchway.store.models import InboundMessage
from hatchway.ui.deps import ClockDep, SessionDep, TemplatesDep
from hatchway.ui.ops.costs import (
    CostLine,
    costliest_messages,
    costs_by_category,
    costs_by_period,
    costs_of_message,
)
from hatchway.ui.ops.deps import OpsSettingsDep, ReadOnly, frame
from hatchway.ui.ops.periods import month_start, window_start
from hatchway.ui.pages import render

__all__ = ["router"]

router = APIRouter(tags=["ops"], dependencies=[ReadOnly])
COSTLIEST = 10


@router.get("/ops/costs", response_class=HTMLResponse)
def costs_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    now: ClockDep,
    ops: OpsSettingsDep,
    message: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """The cost tables; ``message`` adds one email's breakdown by node and model."""
    since = window_start(now, ops.window_days)
    by_model, emails = costs_by_category(session, since=since, settings=ops)
    totals: dict[str, CostLine] = {}
    for row in by_model:
        totals[row.category] = totals.get(row.category, CostLine()) + row.line
    one = None
    if message is not None:
        subject = session.scalar(select(InboundMessage.subject).where(InboundMessage.id == message))
        one = (message, subject, costs_of_message(session, message_id=message, settings=ops))
    context = {
        **frame(request, session, now=now, settings=ops, section="costs"),
        "days": costs_by_period(session, since=since, monthly=False, settings=ops),
        "months": costs_by_period(
            session, since=month_start(now, ops.months), monthly=True, settings=ops
        ),
        "by_model": by_model,
        "category_totals": totals,
        "category_emails": emails,
        "costliest": costliest_messages(session, since=since, limit=COSTLIEST),
        "one": one,
        "message": message,
    }
    return render(request, templates, "ops/costs.html", context)
