"""Jinja filters for people: relative ages, short times, money, percentages."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fastapi.templating import Jinja2Templates

from hatchway.ui.auth.deps import has_role
from hatchway.ui.nav import NAV_ITEMS

__all__ = ["age", "install_filters"]


def age(then: datetime | None, now: datetime) -> str:
    """'4 min', '3 h 10 min', '2 d' — how long ago, compactly."""
    if then is None:
        return "—"
    minutes = max(0, int((now - then).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest and hours < 10 else f"{hours} h"
    return f"{hours // 24} d"


def _hhmm(value: datetime | None) -> str:
    return value.strftime("%H:%M") if value else "—"


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def _usd(value: Decimal | float | None) -> str:
    return "—" if value is None else f"${float(value):.4f}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def install_filters(templates: Jinja2Templates) -> None:
    """Register the filters (and ``age`` as a global)."""
    templates.env.filters.update(hhmm=_hhmm, stamp=_stamp, usd=_usd, percent=_percent)
    templates.env.globals.update(age=age, has_role=has_role, nav_items=NAV_ITEMS)
