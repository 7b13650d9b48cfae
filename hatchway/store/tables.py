"""The Core tables behind the ORM models, for statements built once and run on a connection
(see :meth:`hatchway.store.Database.transaction`) where no ORM object is needed."""

from __future__ import annotations

from typing import Final, cast

from sqlalchemy import Table

from hatchway.store.models import Category, GraphRun, InboundMessage, Job, ModelPin, NodeRun

__all__ = ["CATEGORIES", "GRAPH_RUNS", "JOBS", "MESSAGES", "MODEL_PINS", "NODE_RUNS"]

CATEGORIES: Final = cast(Table, Category.__table__)
GRAPH_RUNS: Final = cast(Table, GraphRun.__table__)
JOBS: Final = cast(Table, Job.__table__)
MESSAGES: Final = cast(Table, InboundMessage.__table__)
MODEL_PINS: Final = cast(Table, ModelPin.__table__)
NODE_RUNS: Final = cast(Table, NodeRun.__table__)
