"""The checkpoint fence reads the lease over the checkpointer's own connection (I7)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo
from sqlalchemy import select, update

from hatchway.graphs.checkpoint import lease_reader
from hatchway.graphs.lease import LeaseLost, LeaseRow, acquire_lease
from hatchway.graphs.runner import TriageRunner, ensure_graph_run
from hatchway.store import Database
from hatchway.store.models import Draft, GraphRun, NodeRun, utcnow
from tests.graphs.conftest import DRAFT, answering, make_services


def _session_row(database: Database, thread_id: str) -> LeaseRow:
    with database.session() as session:
        row = session.execute(
            select(GraphRun.fencing_token, GraphRun.lease_owner, GraphRun.lease_expires_at).where(
                GraphRun.thread_id == thread_id
            )
        ).one()
    return LeaseRow(*row)


def test_the_reader_sees_what_a_session_sees_at_once(
    database: Database, checkpointer: BaseCheckpointSaver[Any], message_id: int
) -> None:
    read = lease_reader(checkpointer, database)
    assert read is not None
    _create_graph_run(database, message_id)
    thread_id = str(message_id)
    assert read(thread_id) == _session_row(database, thread_id)
    assert read("no-such-thread") is None
    lease = acquire_lease(database, thread_id, "a", timedelta(minutes=5))
    assert read(thread_id) == _session_row(database, thread_id)
    lease.check_row(read(thread_id))
    with database.session() as session:  # expired, and taken over
        session.execute(update(GraphRun).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(LeaseLost):
        lease.check_row(read(thread_id))
    acquire_lease(database, thread_id, "b", timedelta(minutes=5))
    with pytest.raises(LeaseLost):
        lease.check_row(read(thread_id))


def test_a_run_whose_lease_is_taken_over_midway_writes_no_more_checkpoints(
    database: Database, checkpointer: BaseCheckpointSaver[Any], message_id: int
) -> None:
    def drafting_while_taken_over(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        with database.session() as session:  # this worker stalls past its lease...
            session.execute(
                update(GraphRun).values(lease_expires_at=utcnow() - timedelta(seconds=1))
            )
        acquire_lease(database, str(message_id), "other", timedelta(minutes=5))
        return answering(DRAFT)(messages, info)

    services = make_services(database, draft=drafting_while_taken_over)
    runner = TriageRunner(services, checkpointer, owner="stalled")
    with pytest.raises(LeaseLost):
        runner.start(message_id)
    config = {"configurable": {"thread_id": str(message_id)}}
    snapshot = runner.graph.get_state(config)
    # The run saves its checkpoint when it stops, and that write was refused: nothing of it
    # is kept, and the new holder runs the thread from its start.
    assert snapshot.created_at is None
    assert snapshot.values.get("draft") is None
    # The nodes that only read went on (their output reaches nothing: the checkpoint write
    # was refused); route, the first that writes rows of its own, found the lease gone and
    # did not run. The nodes that did run are recorded; no draft row was written.
    with database.session() as session:
        nodes = session.scalars(select(NodeRun.node).order_by(NodeRun.id)).all()
        drafts = session.scalars(select(Draft.id)).all()
    assert nodes == ["classify", "lookup", "rules", "draft", "check", "gate"]
    assert drafts == []


def test_two_readers_share_one_checkpointer_connection(
    database: Database, checkpointer: BaseCheckpointSaver[Any], message_id: int
) -> None:
    """Two runners on one checkpointer (one connection): each reader may read the leases."""
    first, second = lease_reader(checkpointer, database), lease_reader(checkpointer, database)
    assert first is not None and second is not None
    _create_graph_run(database, message_id)
    thread_id = str(message_id)
    assert first(thread_id) == second(thread_id) == _session_row(database, thread_id)


def _create_graph_run(database: Database, message_id: int) -> None:
    with database.transaction() as connection:
        ensure_graph_run(connection, message_id)
