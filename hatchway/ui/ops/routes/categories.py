"""Changing a category: promote, demote, its kill switch. Ops and admin only, CSRF-checked.

The policy functions do the work and write the audit events naming the user; a refused
promotion re-renders the category page with what is missing, in plain words (409).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.policies.automation import PromotionRefused, demote, promote, set_kill_switch
from hatchway.policies.gate_state import current_gate_version
from hatchway.store.models import Category
from hatchway.ui.auth import CsrfChecked
from hatchway.ui.deps import ClockDep, DatabaseDep, TemplatesDep
from hatchway.ui.ops.deps import OpsOnly, OpsSettingsDep, ReadOnly, actor_of
from hatchway.ui.ops.forms import DemoteForm, KillSwitchForm, PromoteForm
from hatchway.ui.ops.routes.console import render_category

__all__ = ["router"]

router = APIRouter(tags=["ops"], dependencies=[ReadOnly, OpsOnly])


def _done(key: str, name: str) -> RedirectResponse:
    query = urlencode({"done": key, "category": name})
    return RedirectResponse(f"/ops/categories/{quote(name)}?{query}", status_code=303)


@dataclass(frozen=True)
class CategoryPage:
    """What it takes to show a category page again: after a refusal, or a missing reason."""

    request: Request
    database: DatabaseDep
    templates: TemplatesDep
    now: ClockDep
    ops: OpsSettingsDep

    def again(
        self,
        name: str,
        *,
        status_code: int,
        error: str | None = None,
        refused: list[str] | None = None,
        refused_to: str | None = None,
    ) -> Response:
        """The category page with an error, or with what a refused promotion is missing."""
        with self.database.session() as session:
            return render_category(
                self.request, self.templates, session, name=name, now=self.now, ops=self.ops,
                error=error, refused=refused, refused_to=refused_to, status_code=status_code,
            )  # fmt: skip


PageDep = Annotated[CategoryPage, Depends()]


@router.post("/ops/categories/{name}/promote")
def promote_category(
    name: str, form: Annotated[PromoteForm, Form()], user: CsrfChecked, page: PageDep
) -> Response:
    """review → shadow, or shadow → auto on current evidence; refused with what is missing."""
    try:
        with page.database.session() as session:
            gate_version = current_gate_version(session)
            promote(session, name=name, to=form.to, actor=actor_of(user), gate_version=gate_version)
    except PromotionRefused as refused:
        return page.again(name, refused=refused.missing, refused_to=form.to.value, status_code=409)
    return _done(f"promoted-{form.to.value}", name)


@router.post("/ops/categories/{name}/demote")
def demote_category(
    name: str, form: Annotated[DemoteForm, Form()], user: CsrfChecked, page: PageDep
) -> Response:
    """Back to review mode; the reason goes to the audit log."""
    if not form.reason:
        error = "Say why it goes back to review (kept in the audit log)."
        return page.again(name, error=error, status_code=400)
    with page.database.session() as session:
        _known(session, name)
        demote(session, name=name, actor=actor_of(user), reason=form.reason)
    return _done("demoted", name)


@router.post("/ops/categories/{name}/kill-switch")
def category_kill_switch(
    name: str, form: Annotated[KillSwitchForm, Form()], user: CsrfChecked, page: PageDep
) -> Response:
    """Stop (or allow again) auto-sending for this category."""
    on = form.enabled == "on"
    if not form.reason:
        error = "Give a reason for the kill switch (kept in the audit log)."
        return page.again(name, error=error, status_code=400)
    with page.database.session() as session:
        _known(session, name)
        set_kill_switch(session, enabled=on, actor=actor_of(user), reason=form.reason, name=name)
    return _done("stopped" if on else "resumed", name)


def _known(session: Session, name: str) -> None:
    if session.scalar(select(Category.id).where(Category.name == name)) is None:
        raise HTTPException(404, f"There is no category {name!r}.")
