"""Dependencies of the ops console: its settings, who may change things, the page frame."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from hatchway.policies.automation import Actor
from hatchway.store.models import Role
from hatchway.ui.auth import SignedIn, has_role, require_role
from hatchway.ui.ops.notices import automatic_demotions, kill_switches
from hatchway.ui.ops.settings import OpsSettings

__all__ = [
    "FLASHES",
    "OpsOnly",
    "OpsSettingsDep",
    "ReadOnly",
    "actor_of",
    "frame",
]

ReadOnly = Depends(require_role(Role.REVIEWER))
"""Pages anyone signed in may read; their change buttons show only for ops and admin."""
OpsOnly = Depends(require_role(Role.OPS))
"""Pages and posts that change automation: ops and admin only, re-checked on every request."""

# Fixed messages after a change (the URL carries a key, never free text).
FLASHES = {
    "promoted-shadow": "{c} is now in shadow mode: reviewers still decide; automation's "
    "would-be choices are recorded for comparison.",
    "promoted-auto": "{c} is now sent automatically when the gate is confident enough.",
    "demoted": "{c} is back in review mode: a person reviews every reply.",
    "stopped": "Auto-sending is stopped for {c}.",
    "resumed": "Auto-sending is allowed again for {c}.",
    "stopped-all": "Auto-sending is stopped everywhere, including replies in the hold window.",
    "resumed-all": "The global kill switch is off.",
    "verdict": "Verdict recorded.",
}


def _ops_settings(request: Request) -> OpsSettings:
    """``app.state.ops_settings`` when set (tests), else ``settings.ops``, else defaults."""
    explicit = getattr(request.app.state, "ops_settings", None)
    if isinstance(explicit, OpsSettings):
        return explicit
    nested = getattr(request.app.state.settings, "ops", None)
    return nested if isinstance(nested, OpsSettings) else OpsSettings()


OpsSettingsDep = Annotated[OpsSettings, Depends(_ops_settings)]


def actor_of(user: SignedIn) -> Actor:
    """The audit trail's name for a signed-in user."""
    return Actor(user.username, user_id=user.user_id)


def frame(
    request: Request, session: Session, *, now: datetime, settings: OpsSettings, section: str
) -> dict[str, Any]:
    """What every ops page shows around its content: switches, demotions, the flash."""
    user: SignedIn | None = getattr(request.state, "user", None)
    done = request.query_params.get("done", "")
    category = request.query_params.get("category", "")[:100]
    flash = FLASHES[done].format(c=category or "The category") if done in FLASHES else None
    return {
        "section": section,
        "can_change": user is not None and has_role(user, Role.OPS),
        "switches": kill_switches(session),
        "demotions": automatic_demotions(session, now=now, days=settings.banner_days),
        "flash": flash,
        "now": now,
        "ops": settings,
    }
