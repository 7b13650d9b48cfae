"""One writer per graph thread (invariant I7): a lease, and a fence on every checkpoint write."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo
from sqlalchemy import select, update

from hatchway.graphs.checkpoint import open_checkpointer
from hatchway.graphs.lease import LeaseLost, ThreadBusy, acquire_lease
from hatchway.graphs.runner import TriageRunner, ensure_graph_run
from hatchway.store import Database
from hatchway.store.models import Draft, GraphRun, NodeRun, utcnow
from tests.graphs.conftest import DRAFT, answering, make_services


def test_two_workers_racing_on_one_thread_never_both_run_it(
    database: Database, message_id: int
) -> None:
    gate = threading.Barrier(2, timeout=30)
    outcomes: dict[str, str] = {}
    refused = threading.Event()

    def drafting(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        refused.wait(timeout=20)  # hold the thread until the other worker was turned away
        return answering(DRAFT)(messages, info)

    def work(owner: str) -> None:
        with open_checkpointer(database) as saver:
            runner = TriageRunner(make_services(database, draft=drafting), saver, owner=owner)
            _create_graph_run(database, message_id)
            gate.wait()
            try:
                runner.start(message_id)
                outcomes[owner] = "ran"
            except ThreadBusy:
                outcomes[owner] = "busy"
                refused.set()
            except Exception as exc:
                outcomes[owner] = repr(exc)
                raise

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["busy", "ran"]
    with database.session() as session:
        assert len(session.scalars(select(Draft)).all()) == 1
        assert len(session.scalars(select(NodeRun).where(NodeRun.node == "draft")).all()) == 1


def test_a_lease_taken_over_fences_off_the_old_writer(
    database: Database, checkpointer: BaseCheckpointSaver[Any], message_id: int
) -> None:
    _create_graph_run(database, message_id)
    old = acquire_lease(database, str(message_id), "old", timedelta(minutes=5))
    with pytest.raises(ThreadBusy):
        acquire_lease(database, str(message_id), "new", timedelta(minutes=5))
    with database.session() as session:  # the old worker stalls past its lease...
        session.execute(update(GraphRun).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    new = acquire_lease(database, str(message_id), "new", timedelta(minutes=5))
    assert new.token == old.token + 1
    with pytest.raises(LeaseLost):  # ...and may no longer write
        old.check()
    new.check()
    old.release()  # releasing a stale lease does not free the new holder's
    with pytest.raises(ThreadBusy):
        acquire_lease(database, str(message_id), "third", timedelta(minutes=5))


def _create_graph_run(database: Database, message_id: int) -> None:
    with database.transaction() as connection:
        ensure_graph_run(connection, message_id)
