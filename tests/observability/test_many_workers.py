"""Two real `hatchway worker` processes share one queue: every job runs exactly once.

On PostgreSQL claims use FOR UPDATE SKIP LOCKED; on SQLite (one machine) every transaction
is BEGIN IMMEDIATE with a busy timeout, so the two processes take turns at claiming.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hatchway.demo import DEMO_OWN_DOMAINS, find_demo_data, ingest_mailbox_dir
from hatchway.store.models import Draft, DraftAuthor, GraphRun, Job, JobState, NodeRun
from tests.observability._service import DemoService, WorkerProcess, start_worker

pytestmark = pytest.mark.slow


def _wait_until_drained(service: DemoService, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    open_states = [JobState.QUEUED, JobState.RUNNING]
    while time.monotonic() < deadline:
        with service.database.session() as session:
            if not session.scalar(select(func.count()).where(Job.state.in_(open_states))):
                return
        time.sleep(0.2)
    raise AssertionError("the queue was not drained in time")


def test_two_workers_process_every_job_exactly_once(database_url: str, tmp_path: Path) -> None:
    service = DemoService(tmp_path, database_url)
    config = service.write_config()
    workers: list[WorkerProcess] = []
    try:
        for number in (1, 2):
            workers.append(start_worker(config, tmp_path / f"worker{number}.log"))
        for worker in workers:
            worker.wait_for_log("started; job kinds")
        # Both are polling before the first job exists, so both get a share.
        counts = ingest_mailbox_dir(
            service.database, find_demo_data().mailbox, frozenset(DEMO_OWN_DOMAINS)
        )
        assert sum(counts.values()) >= 60
        _wait_until_drained(service)
        assert [worker.terminate() for worker in workers] == [0, 0]
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait()
        service.database.dispose()

    with service.database.session() as session:
        jobs = session.execute(select(Job.id, Job.state, Job.attempts)).all()
        doubled_nodes = session.execute(
            select(NodeRun.graph_run_id, NodeRun.node)
            .group_by(NodeRun.graph_run_id, NodeRun.node)
            .having(func.count() > 1)
        ).all()
        drafts_per_message = session.execute(
            select(Draft.inbound_message_id, func.count())
            .where(Draft.author == DraftAuthor.AGENT)
            .group_by(Draft.inbound_message_id)
        ).all()
        graph_runs = session.scalar(select(func.count()).select_from(GraphRun))
    service.database.dispose()
    assert len(jobs) >= 40
    assert {(state, attempts) for _, state, attempts in jobs} == {(JobState.DONE, 1)}
    assert doubled_nodes == []
    assert drafts_per_message and {count for _, count in drafts_per_message} == {1}
    assert graph_runs == len(jobs)
    done_by = [set(worker.job_ids_done()) for worker in workers]
    assert done_by[0] and done_by[1], "both workers should have taken jobs"
    assert not done_by[0] & done_by[1]
    assert done_by[0] | done_by[1] == {job_id for job_id, _, _ in jobs}
