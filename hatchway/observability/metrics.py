"""Prometheus metrics computed from the database at scrape time, by a custom Collector.

Every number comes from a cheap aggregate query, so it is the same whichever process is
scraped and survives restarts (process-local counters would reset and differ between
serve and worker processes). Queries lean on the indexes: inbound_messages (status, ...)
and jobs (state, ...); the rest are single-pass GROUP BYs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString
from sqlalchemy import Row, Select, case, func, select
from sqlalchemy.orm import Session

from hatchway.store import Database
from hatchway.store.models import (
    Draft,
    InboundMessage,
    Job,
    JobState,
    NodeRun,
    OutboxEntry,
    ReviewDecision,
    utcnow,
)

__all__ = ["LATENCY_BUCKETS_MS", "DatabaseCollector"]

# Node latency buckets in milliseconds: a local classifier (ms) up to a slow LLM call (min).
LATENCY_BUCKETS_MS = (10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000)


class DatabaseCollector(Collector):
    """Yields hatchway_* metric families from one short read-only session per scrape."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[Metric]:
        """Called by the registry on every scrape."""
        with self.database.session() as session:
            yield _items(session)
            yield from _jobs(session, utcnow())
            yield from _node_runs(session)
            yield _counted(
                session,
                "hatchway_outbox_entries",
                "Approved replies by approval (auto/human) and state.",
                OutboxEntry.approval,
                OutboxEntry.state,
            )
            yield _counted(
                session,
                "hatchway_drafts_routed",
                "Agent drafts by the gate's route (auto, review, shadow).",
                Draft.route,
            )
            yield _counted(
                session,
                "hatchway_review_decisions",
                "Reviewer decisions by action and label (sent_unchanged, edited, rejected...).",
                ReviewDecision.action,
                ReviewDecision.label,
            )


def _items(session: Session) -> Metric:
    family = GaugeMetricFamily(
        "hatchway_items", "Inbound messages by status (quarantined included).", labels=["status"]
    )
    query = select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
    for status, count in session.execute(query):
        family.add_metric([str(status)], count)
    return family


def _jobs(session: Session, now: datetime) -> Iterator[Metric]:
    depth = GaugeMetricFamily("hatchway_queue_depth", "Jobs waiting, by kind.", labels=["kind"])
    age = GaugeMetricFamily(
        "hatchway_queue_oldest_age_seconds", "Age of the oldest waiting job.", labels=["kind"]
    )
    running = GaugeMetricFamily("hatchway_jobs_running", "Jobs under a lease.", labels=["kind"])
    failed = CounterMetricFamily(
        "hatchway_jobs_failed", "Jobs whose retries ran out (item sent to review).", labels=["kind"]
    )
    query = (
        select(Job.state, Job.kind, func.count(), func.min(Job.created_at))
        .where(Job.state.in_([JobState.QUEUED, JobState.RUNNING, JobState.FAILED]))
        .group_by(Job.state, Job.kind)
    )
    for state, kind, count, oldest in session.execute(query):
        if state == JobState.QUEUED:
            depth.add_metric([kind], count)
            age.add_metric([kind], max(0.0, (now - oldest).total_seconds()))
        elif state == JobState.RUNNING:
            running.add_metric([kind], count)
        else:
            failed.add_metric([kind], count)
    yield from (depth, age, running, failed)


def _node_runs(session: Session) -> Iterator[Metric]:
    latency = HistogramMetricFamily(
        "hatchway_node_latency_seconds",
        "Latency of graph node runs.",
        labels=["node", "model"],
    )
    tokens = CounterMetricFamily(
        "hatchway_model_tokens", "Model tokens by node, model and direction.",
        labels=["node", "model", "direction"],
    )  # fmt: skip
    errors = CounterMetricFamily(
        "hatchway_node_errors", "Node runs that failed.", labels=["node", "model"]
    )
    for row in session.execute(_node_run_query()):
        labels = [row.node, row.model or "none"]
        latency.add_metric(labels, _buckets(row), (row.latency_sum or 0) / 1000)
        tokens.add_metric([*labels, "input"], row.input_tokens or 0)
        tokens.add_metric([*labels, "output"], row.output_tokens or 0)
        errors.add_metric(labels, row.errors or 0)
    yield from (latency, tokens, errors)


def _node_run_query() -> Select[*tuple[Any, ...]]:
    """One pass over node_runs: per (node, model) cumulative bucket counts, sums, errors."""
    model = func.coalesce(NodeRun.model_version, NodeRun.model)
    under = [
        func.sum(case((NodeRun.latency_ms <= bound, 1), else_=0)).label(f"le_{bound}")
        for bound in LATENCY_BUCKETS_MS
    ]
    return select(
        NodeRun.node,
        model.label("model"),
        func.count().label("total"),
        func.sum(NodeRun.latency_ms).label("latency_sum"),
        func.sum(NodeRun.input_tokens).label("input_tokens"),
        func.sum(NodeRun.output_tokens).label("output_tokens"),
        func.sum(case((NodeRun.status == "error", 1), else_=0)).label("errors"),
        *under,
    ).group_by(NodeRun.node, model)


def _buckets(row: Row[tuple[object, ...]]) -> list[tuple[str, float]]:
    mapping = row._mapping
    found = [(_seconds(bound), float(mapping[f"le_{bound}"] or 0)) for bound in LATENCY_BUCKETS_MS]
    return [*found, ("+Inf", float(mapping["total"]))]


def _seconds(bound_ms: int) -> str:
    # The client library's own spelling ("60.0"), so parsers and dashboards agree.
    spelled: str = floatToGoString(bound_ms / 1000)  # type: ignore[no-untyped-call]
    return spelled


def _counted(session: Session, name: str, documentation: str, *columns: object) -> Metric:
    labels = [column.key for column in columns]  # type: ignore[attr-defined]
    family = CounterMetricFamily(name, documentation, labels=labels)
    query = select(*columns, func.count()).group_by(*columns)  # type: ignore[call-overload]
    for *values, count in session.execute(query):
        family.add_metric(["none" if v is None else str(v) for v in values], count)
    return family
