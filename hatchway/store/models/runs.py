"""Graph runs and node runs: what the triage graph did, attributable to model and prompt (I5)."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hatchway.store.models.base import Base, BigIntPK, enum_column, utcnow

__all__ = ["GraphRun", "GraphRunStatus", "NodeRun", "NodeRunStatus"]


class GraphRunStatus(enum.StrEnum):
    """A graph thread's state as the rest of the system needs to know it."""

    RUNNING = "running"
    INTERRUPTED = "interrupted"  # waiting for a reviewer's decision
    COMPLETED = "completed"
    FAILED = "failed"  # the failure was routed to the review inbox


class NodeRunStatus(enum.StrEnum):
    """Whether one node execution succeeded."""

    OK = "ok"
    ERROR = "error"


class GraphRun(Base):
    """One LangGraph thread (thread_id is the inbound message id) and its writer lease (I7)."""

    __tablename__ = "graph_runs"

    id: Mapped[BigIntPK]
    thread_id: Mapped[str] = mapped_column(String(100), unique=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    graph_name: Mapped[str] = mapped_column(String(100))
    graph_version: Mapped[str] = mapped_column(String(100))
    status: Mapped[GraphRunStatus] = enum_column(GraphRunStatus, default=GraphRunStatus.RUNNING)
    error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]
    fencing_token: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class NodeRun(Base):
    """One execution of one graph node: which pinned model, which prompt, what it cost."""

    __tablename__ = "node_runs"

    id: Mapped[BigIntPK]
    graph_run_id: Mapped[int] = mapped_column(ForeignKey("graph_runs.id"), index=True)
    node: Mapped[str] = mapped_column(String(100))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[NodeRunStatus] = enum_column(NodeRunStatus)
    provider: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(200))
    model_version: Mapped[str | None] = mapped_column(String(200))
    prompt_hash: Mapped[str | None] = mapped_column(String(64))
    input_tokens: Mapped[int | None] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    cost_usd: Mapped[Decimal | None] = mapped_column(Numeric(12, 6))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    input_summary: Mapped[str | None] = mapped_column(Text)
    output_summary: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # ops costs
