"""The Core tables behind the ORM models, for statements built once and run on a connection
(see :meth:`hatchway.store.Database.transaction`) where no ORM object is needed."""

from __future__ import annotations

from typing import Final, cast

from sqlalchemy import Table

from hatchway.store.models import (
    Category,
    Draft,
    GraphRun,
    InboundMessage,
    Job,
    ModelPin,
    NodeRun,
    WebhookEvent,
)

__all__ = [
    "CATEGORIES",
    "DRAFTS",
    "GRAPH_RUNS",
    "JOBS",
    "MESSAGES",
    "MODEL_PINS",
    "NODE_RUNS",
    "WEBHOOK_EVENTS",
]

CATEGORIES: Final = cast(Table, Category.__table__)
DRAFTS: Final = cast(Table, Draft.__table__)
GRAPH_RUNS: Final = cast(Table, GraphRun.__table__)
JOBS: Final = cast(Table, Job.__table__)
MESSAGES: Final = cast(Table, InboundMessage.__table__)
MODEL_PINS: Final = cast(Table, ModelPin.__table__)
NODE_RUNS: Final = cast(Table, NodeRun.__table__)
WEBHOOK_EVENTS: Final = cast(Table, WebhookEvent.__table__)
