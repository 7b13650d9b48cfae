"""The categories table of /ops: volume, review outcomes, evidence and mode per category.

Each figure is one grouped query over the window (never a row per message in Python):
volume from inbound mail, the routed share from first drafts, outcomes and the median edit
distance (a window function, portable to SQLite and PostgreSQL) from review decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from hatchway.policies.audit import AuditStats, audit_stats
from hatchway.policies.automation import evidence_problems
from hatchway.store.models import (
    AuditSample,
    AuditVerdict,
    Category,
    CategoryMode,
    DecisionLabel,
    Draft,
    InboundMessage,
    ReviewDecision,
    Route,
)
from hatchway.ui.ops.shadow import ShadowComparison, shadow_comparison

__all__ = ["CategoryRow", "Evidence", "category_rows"]


@dataclass(frozen=True)
class Evidence:
    """A stored certification, as the console shows it."""

    coverage: float | None
    bound: float | None
    target: float | None
    threshold: float | None
    n: int | None
    n_above: int | None
    errors_above: int | None
    gate_version: str | None
    certified_at: str | None
    group: list[str]

    @classmethod
    def of(cls, evidence: dict[str, Any] | None, threshold: float | None) -> Evidence | None:
        """None when the category was never certified."""
        if not evidence:
            return None
        bound = evidence.get("bound", evidence.get("upper_bound"))
        return cls(
            coverage=_float(evidence.get("coverage")),
            bound=_float(bound),
            target=_float(evidence.get("target")),
            threshold=threshold,
            n=_int(evidence.get("n")),
            n_above=_int(evidence.get("n_above")),
            errors_above=_int(evidence.get("errors_above")),
            gate_version=evidence.get("gate_version"),
            certified_at=evidence.get("certified_at"),
            group=list(evidence.get("group") or []),
        )


@dataclass(frozen=True)
class CategoryRow:
    """One category with its numbers over the window."""

    name: str
    description: str | None
    answerable: bool
    mode: CategoryMode
    kill_switch: bool
    target_error: float
    volume: int = 0
    drafted: int = 0
    auto_sent: int = 0
    unchanged: int = 0
    edited: int = 0
    rejected: int = 0
    median_edit: float | None = None
    evidence: Evidence | None = None
    problems: list[str] = field(default_factory=list)  # why auto would be refused now
    audit: AuditStats | None = None
    shadow: ShadowComparison | None = None

    @property
    def reviewed_share(self) -> float | None:
        """Share of drafted mail a person reviewed (everything not sent automatically)."""
        return (self.drafted - self.auto_sent) / self.drafted if self.drafted else None

    @property
    def decided(self) -> int:
        return self.unchanged + self.edited + self.rejected

    def share(self, count: int) -> float | None:
        """``count`` as a share of the decided drafts."""
        return count / self.decided if self.decided else None


def category_rows(
    session: Session, *, since: datetime, gate_version: str | None
) -> list[CategoryRow]:
    """Every category, answerable ones first, with its figures since ``since``."""
    volume = _volume(session, since)
    drafted = _drafted(session, since)
    labels = _labels(session, since)
    medians = _median_edit(session, since)
    shadow = shadow_comparison(session, since=since)
    audited = _audited_categories(session)
    rows = []
    order = (Category.answerable.desc(), Category.name)
    for category in session.scalars(select(Category).order_by(*order)):
        name = category.name
        counts = labels.get(name, {})
        rows.append(
            CategoryRow(
                name=name,
                description=category.description,
                answerable=category.answerable,
                mode=category.mode,
                kill_switch=category.kill_switch,
                target_error=category.target_error,
                volume=volume.get(name, 0),
                drafted=drafted.get(name, (0, 0))[0],
                auto_sent=drafted.get(name, (0, 0))[1],
                unchanged=counts.get(DecisionLabel.SENT_UNCHANGED, 0),
                edited=counts.get(DecisionLabel.EDITED, 0),
                rejected=counts.get(DecisionLabel.REJECTED, 0),
                median_edit=medians.get(name),
                evidence=Evidence.of(category.evidence, category.threshold),
                problems=evidence_problems(session, category, gate_version=gate_version),
                audit=audit_stats(session, name) if name in audited else None,
                shadow=shadow.get(name),
            )
        )
    return rows


def _volume(session: Session, since: datetime) -> dict[str, int]:
    """Messages received since ``since`` per category (the first draft's, if not on the mail)."""
    first = aliased(Draft)
    category = func.coalesce(InboundMessage.category, first.category)
    query = (
        select(category, func.count(func.distinct(InboundMessage.id)))
        .select_from(InboundMessage)
        .outerjoin(first, and_(first.inbound_message_id == InboundMessage.id, first.revision == 1))
        .where(InboundMessage.received_at >= since, category.is_not(None))
        .group_by(category)
    )
    return {str(name): int(n) for name, n in session.execute(query)}


def _drafted(session: Session, since: datetime) -> dict[str, tuple[int, int]]:
    """First drafts since ``since`` per category: (all, sent automatically)."""
    auto = func.coalesce(func.sum(case((Draft.route == Route.AUTO, 1), else_=0)), 0)
    query = (
        select(Draft.category, func.count(), auto)
        .where(Draft.revision == 1, Draft.created_at >= since, Draft.category.is_not(None))
        .group_by(Draft.category)
    )
    return {str(c): (int(n), int(a)) for c, n, a in session.execute(query)}


def _labels(session: Session, since: datetime) -> dict[str, dict[DecisionLabel, int]]:
    """Review outcomes since ``since`` per category and label."""
    query = (
        select(Draft.category, ReviewDecision.label, func.count())
        .join(Draft, Draft.id == ReviewDecision.draft_id)
        .where(ReviewDecision.decided_at >= since, ReviewDecision.label != DecisionLabel.NONE)
        .group_by(Draft.category, ReviewDecision.label)
    )
    found: dict[str, dict[DecisionLabel, int]] = {}
    for category, label, n in session.execute(query):
        found.setdefault(str(category), {})[DecisionLabel(label)] = int(n)
    return found


def _median_edit(session: Session, since: datetime) -> dict[str, float]:
    """Median normalised edit distance of edited replies per category (in SQL)."""
    ranked = (
        select(
            Draft.category.label("category"),
            ReviewDecision.edit_distance.label("distance"),
            func.row_number()
            .over(partition_by=Draft.category, order_by=ReviewDecision.edit_distance)
            .label("rank"),
            func.count().over(partition_by=Draft.category).label("total"),
        )
        .join(Draft, Draft.id == ReviewDecision.draft_id)
        .where(
            ReviewDecision.decided_at >= since,
            ReviewDecision.label == DecisionLabel.EDITED,
            ReviewDecision.edit_distance.is_not(None),
        )
        .subquery()
    )
    middle = or_(
        ranked.c.rank == (ranked.c.total + 1) // 2, ranked.c.rank == (ranked.c.total + 2) // 2
    )
    query = (
        select(ranked.c.category, func.avg(ranked.c.distance))
        .where(middle)
        .group_by(ranked.c.category)
    )
    return {str(c): float(m) for c, m in session.execute(query)}


def _audited_categories(session: Session) -> set[str]:
    query = select(AuditSample.category).where(AuditSample.verdict != AuditVerdict.PENDING)
    return set(session.scalars(query.distinct()))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)
