"""Categories: read their mode, threshold and evidence; promote or demote them (ops role).

The automation policy does the work and writes the audit events, naming the API key.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.api.deps import OpsKey, ReviewerKey, SessionDep
from hatchway.api.errors import ApiError, ErrorResponse
from hatchway.api.keys import AuthenticatedKey
from hatchway.api.schemas import CategoryPublic, DemoteRequest, PromoteRequest
from hatchway.policies.automation import (
    Actor,
    PromotionRefused,
    demote,
    evidence_problems,
    promote,
)
from hatchway.policies.gate_state import current_gate_version
from hatchway.store.models import Category

__all__ = ["router"]

router = APIRouter(prefix="/categories", tags=["categories"])

CategoryName = Annotated[str, Path(min_length=1, max_length=100)]
_NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorResponse, "description": "No such category."}
}
_REFUSED: dict[int | str, dict[str, object]] = {
    **_NOT_FOUND,
    409: {"model": ErrorResponse, "description": "Refused: the message says what is missing."},
}


@router.get("", response_model=list[CategoryPublic])
def list_categories(key: ReviewerKey, session: SessionDep) -> list[CategoryPublic]:
    """Every category with its mode, threshold, evidence and what keeps it from auto."""
    gate_version = current_gate_version(session)
    categories = session.scalars(select(Category).order_by(Category.name))
    return [_public(session, category, gate_version) for category in categories]


@router.get("/{name}", response_model=CategoryPublic, responses=_NOT_FOUND)
def get_category(name: CategoryName, key: ReviewerKey, session: SessionDep) -> CategoryPublic:
    """One category with its evidence."""
    return _public(session, _category(session, name), current_gate_version(session))


@router.post("/{name}/promote", response_model=CategoryPublic, responses=_REFUSED)
def promote_category(
    name: CategoryName, request: PromoteRequest, key: OpsKey, session: SessionDep
) -> CategoryPublic:
    """review → shadow, or shadow → auto on current evidence; 409 says what is missing."""
    _category(session, name)
    gate_version = current_gate_version(session)
    try:
        category = promote(
            session, name=name, to=request.to, actor=_actor(key), gate_version=gate_version
        )
    except PromotionRefused as refused:
        message = f"{name} stays where it is. Missing: " + "; ".join(refused.missing)
        raise ApiError(409, "promotion_refused", message, field="to") from None
    return _public(session, category, gate_version)


@router.post("/{name}/demote", response_model=CategoryPublic, responses=_NOT_FOUND)
def demote_category(
    name: CategoryName, request: DemoteRequest, key: OpsKey, session: SessionDep
) -> CategoryPublic:
    """Back to review mode, with the reason in the audit log."""
    _category(session, name)
    category = demote(session, name=name, actor=_actor(key), reason=request.reason.strip())
    return _public(session, category, current_gate_version(session))


def _actor(key: AuthenticatedKey) -> Actor:
    return Actor(key.actor_name)


def _category(session: Session, name: str) -> Category:
    category = session.scalar(select(Category).where(Category.name == name))
    if category is None:
        raise ApiError(404, "not_found", f"There is no category {name!r}.")
    return category


def _public(session: Session, category: Category, gate_version: str | None) -> CategoryPublic:
    public = CategoryPublic.model_validate(category)
    public.auto_blockers = evidence_problems(session, category, gate_version=gate_version)
    return public
