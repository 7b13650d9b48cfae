"""Per day and category: the share of drafted mail sent automatically, and the audited error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hatchway.store.models import AuditSample, AuditVerdict, Draft, Route
from hatchway.ui.ops.periods import day_bucket, days_back, window_start

__all__ = ["CategorySeries", "DayPoint", "daily_series"]


@dataclass(frozen=True)
class DayPoint:
    """One day of one category."""

    day: str
    drafted: int = 0
    auto: int = 0
    audited: int = 0
    errors: int = 0

    @property
    def automation_rate(self) -> float | None:
        return self.auto / self.drafted if self.drafted else None

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.audited if self.audited else None


@dataclass(frozen=True)
class CategorySeries:
    """A category's days, oldest first, every day of the window present."""

    category: str
    target: float
    points: list[DayPoint]

    @property
    def drafted(self) -> int:
        return sum(p.drafted for p in self.points)

    @property
    def automation_rate(self) -> float | None:
        auto = sum(p.auto for p in self.points)
        return auto / self.drafted if self.drafted else None

    @property
    def audited(self) -> int:
        return sum(p.audited for p in self.points)

    @property
    def error_rate(self) -> float | None:
        errors = sum(p.errors for p in self.points)
        return errors / self.audited if self.audited else None


def daily_series(
    session: Session, *, now: datetime, days: int, targets: dict[str, float]
) -> list[CategorySeries]:
    """Series for every category with a draft or an audit in the window, by name."""
    since = window_start(now, days)
    drafted = _drafted(session, since)
    audited = _audited(session, since)
    names = sorted({c for c, _ in drafted} | {c for c, _ in audited})
    series = []
    for name in names:
        points = []
        for day in days_back(now, days):
            n, auto = drafted.get((name, day), (0, 0))
            checked, errors = audited.get((name, day), (0, 0))
            points.append(DayPoint(day, n, auto, checked, errors))
        series.append(CategorySeries(name, targets.get(name, 0.01), points))
    return series


def _drafted(session: Session, since: datetime) -> dict[tuple[str, str], tuple[int, int]]:
    day = day_bucket(session, Draft.created_at)
    auto = func.coalesce(func.sum(case((Draft.route == Route.AUTO, 1), else_=0)), 0)
    query = (
        select(Draft.category, day, func.count(), auto)
        .where(Draft.revision == 1, Draft.created_at >= since, Draft.category.is_not(None))
        .group_by(Draft.category, day)
    )
    return {(str(c), str(d)): (int(n), int(a)) for c, d, n, a in session.execute(query)}


def _audited(session: Session, since: datetime) -> dict[tuple[str, str], tuple[int, int]]:
    day = day_bucket(session, AuditSample.sampled_at)
    changed = case((AuditSample.verdict == AuditVerdict.CHANGED, 1), else_=0)
    query = (
        select(AuditSample.category, day, func.count(), func.coalesce(func.sum(changed), 0))
        .where(AuditSample.sampled_at >= since, AuditSample.verdict != AuditVerdict.PENDING)
        .group_by(AuditSample.category, day)
    )
    return {(str(c), str(d)): (int(n), int(e)) for c, d, n, e in session.execute(query)}
