"""What answering mail costs: tokens, money (NodeRun.cost_usd) and a rough energy estimate.

Grouped in SQL by period or category, node and model; the energy estimate is applied per
model afterwards (Wh per 1,000 tokens from :class:`OpsSettings`), so a table of a few
dozen groups is all Python sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, and_, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from hatchway.store.models import Draft, GraphRun, InboundMessage, NodeRun
from hatchway.ui.ops.periods import day_bucket, month_bucket
from hatchway.ui.ops.settings import OpsSettings

__all__ = [
    "CostLine",
    "ModelCost",
    "PeriodCost",
    "costs_by_category",
    "costs_by_period",
    "costs_of_message",
    "costliest_messages",
]

UNCLASSIFIED = "(unclassified)"


@dataclass(frozen=True)
class CostLine:
    """Totals of a group of node runs."""

    runs: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal = Decimal(0)
    energy_wh: float = 0.0
    estimated: bool = True  # False when a model had no energy figure (the Wh is a floor)

    def __add__(self, other: CostLine) -> CostLine:
        return CostLine(
            self.runs + other.runs,
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cost + other.cost,
            self.energy_wh + other.energy_wh,
            self.estimated and other.estimated,
        )


@dataclass(frozen=True)
class ModelCost:
    """A category's cost at one node with one model."""

    category: str
    node: str
    model: str
    line: CostLine


@dataclass(frozen=True)
class PeriodCost:
    """A day or a month: how many emails had model work, and what it came to."""

    period: str
    emails: int
    line: CostLine

    @property
    def per_email(self) -> Decimal | None:
        return self.line.cost / self.emails if self.emails else None


def _sums() -> tuple[ColumnElement[Any], ...]:
    money = type_coerce(func.coalesce(func.sum(NodeRun.cost_usd), 0), Float)
    return (
        func.count(),
        func.coalesce(func.sum(NodeRun.input_tokens), 0),
        func.coalesce(func.sum(NodeRun.output_tokens), 0),
        money,
    )


def _line(settings: OpsSettings, provider: str | None, model: str | None, *sums: Any) -> CostLine:
    runs, tokens_in, tokens_out, money = sums
    per_1k = settings.energy_per_1k(provider, model)
    energy = 0.0 if per_1k is None else (int(tokens_in) + int(tokens_out)) / 1000 * per_1k
    return CostLine(
        int(runs), int(tokens_in), int(tokens_out), Decimal(f"{float(money):.6f}"), energy,
        per_1k is not None,
    )  # fmt: skip


def _model_name(provider: str | None, model: str | None) -> str:
    return f"{provider}:{model}" if provider and model else (model or provider or "(no model)")


def costs_by_period(
    session: Session, *, since: datetime, monthly: bool, settings: OpsSettings
) -> list[PeriodCost]:
    """Per UTC day (or month) since ``since``, newest first."""
    bucket = (month_bucket if monthly else day_bucket)(session, NodeRun.started_at)
    joined = select(bucket).select_from(NodeRun).join(GraphRun, GraphRun.id == NodeRun.graph_run_id)
    window = NodeRun.started_at >= since
    query = joined.add_columns(NodeRun.provider, NodeRun.model, *_sums()).where(window)
    lines: dict[str, CostLine] = {}
    grouped = query.group_by(bucket, NodeRun.provider, NodeRun.model)
    for period, provider, model, *sums in session.execute(grouped):
        lines[period] = lines.get(period, CostLine()) + _line(settings, provider, model, *sums)
    emails_query = joined.add_columns(func.count(func.distinct(GraphRun.inbound_message_id)))
    counted = session.execute(emails_query.where(window).group_by(bucket))
    emails = {str(period): int(n) for period, n in counted}
    return [
        PeriodCost(period, int(emails.get(period, 0)), line)
        for period, line in sorted(lines.items(), reverse=True)
    ]


def costs_by_category(
    session: Session, *, since: datetime, settings: OpsSettings
) -> tuple[list[ModelCost], dict[str, int]]:
    """Per category, node and model since ``since``; and emails with model work per category."""
    first = aliased(Draft)
    category = func.coalesce(InboundMessage.category, first.category, UNCLASSIFIED)

    def base(*columns: Any) -> Select[Any]:
        return (
            select(*columns)
            .select_from(NodeRun)
            .join(GraphRun, GraphRun.id == NodeRun.graph_run_id)
            .join(InboundMessage, InboundMessage.id == GraphRun.inbound_message_id)
            .outerjoin(first, and_(first.graph_run_id == GraphRun.id, first.revision == 1))
            .where(NodeRun.started_at >= since)
        )

    keys = (category, NodeRun.node, NodeRun.provider, NodeRun.model)
    query = base(*keys, *_sums()).group_by(*keys).order_by(category, NodeRun.node)
    rows = [
        ModelCost(str(c), str(node), _model_name(p, m), _line(settings, p, m, *sums))
        for c, node, p, m, *sums in session.execute(query)
    ]
    emails_query = base(category, func.count(func.distinct(GraphRun.inbound_message_id)))
    emails = {str(c): int(n) for c, n in session.execute(emails_query.group_by(category))}
    return rows, emails


def costs_of_message(
    session: Session, *, message_id: int, settings: OpsSettings
) -> list[ModelCost]:
    """One email's model work, by node and model (every attempt counted)."""
    keys = (NodeRun.node, NodeRun.provider, NodeRun.model)
    query = (
        select(*keys, *_sums())
        .join(GraphRun, GraphRun.id == NodeRun.graph_run_id)
        .where(GraphRun.inbound_message_id == message_id)
        .group_by(*keys)
        .order_by(func.min(NodeRun.id))
    )
    return [
        ModelCost("", str(node), _model_name(p, m), _line(settings, p, m, *sums))
        for node, p, m, *sums in session.execute(query)
    ]


def costliest_messages(
    session: Session, *, since: datetime, limit: int
) -> list[tuple[int, str | None, Decimal, int]]:
    """The emails that cost most since ``since``: (id, subject, cost, tokens)."""
    money = type_coerce(func.coalesce(func.sum(NodeRun.cost_usd), 0), Float)
    tokens = func.coalesce(func.sum(NodeRun.input_tokens), 0) + func.coalesce(
        func.sum(NodeRun.output_tokens), 0
    )
    query = (
        select(GraphRun.inbound_message_id, InboundMessage.subject, money, tokens)
        .select_from(NodeRun)
        .join(GraphRun, GraphRun.id == NodeRun.graph_run_id)
        .join(InboundMessage, InboundMessage.id == GraphRun.inbound_message_id)
        .where(NodeRun.started_at >= since)
        .group_by(GraphRun.inbound_message_id, InboundMessage.subject)
        .order_by(money.desc(), GraphRun.inbound_message_id)
        .limit(limit)
    )
    rows = session.execute(query)
    return [(int(i), s, Decimal(f"{float(c):.6f}"), int(t)) for i, s, c, t in rows]
