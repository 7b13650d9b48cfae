"""Two real `hatchway worker` processes share one queue: every job runs exactly once.

On PostgreSQL claims use FOR UPDATE SKIP LOCKED; on SQLite (one machine) every transaction
is BEGIN IMMEDIATE with a busy timeout, so the two processes take turns at claiming.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hatchway.demo import DEMO_OWN_DOMAINS, find_demo_data
from hatchway.intake import accept_raw_message
from hatchway.store.models import (
    Draft,
    DraftAuthor,
    GraphRun,
    InboundSource,
    InboundStatus,
    Job,
    JobState,
    NodeRun,
)
from tests.observability._service import DemoService, WorkerProcess, start_worker

pytestmark = pytest.mark.slow

COPIES = 3
OWN_DOMAINS = frozenset(DEMO_OWN_DOMAINS)
_MESSAGE_ID = re.compile(rb"^Message-ID:[^\r\n]*", re.IGNORECASE | re.MULTILINE)


def _wait_until_drained(service: DemoService, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    open_states = [JobState.QUEUED, JobState.RUNNING]
    while time.monotonic() < deadline:
        with service.database.session() as session:
            if not session.scalar(select(func.count()).where(Job.state.in_(open_states))):
                return
        time.sleep(0.2)
    raise AssertionError("the queue was not drained in time")


def _store_at_once(service: DemoService, copies: int) -> int:
    """The demo mailbox ``copies`` times (each copy its own Message-IDs) in one transaction,
    so all jobs are queued together: a worker that has jobs in flight claims again as soon
    as one finishes, an idle one once a poll interval (1 s), so a workload that trickles in,
    or that one worker drains within a second, may never reach the other. Returns how many
    were queued for triage."""
    paths = sorted(find_demo_data().mailbox.glob("*.eml"))
    queued = 0
    with service.database.session() as session:
        for copy in range(copies):
            for path in paths:
                raw = _MESSAGE_ID.sub(
                    f"Message-ID: <c{copy}-{path.stem}@copies>".encode(),
                    (path.read_bytes()),
                    count=1,
                )
                accepted = accept_raw_message(
                    session, raw=raw, source=InboundSource.FILE, own_domains=OWN_DOMAINS
                )
                queued += accepted.message.status == InboundStatus.RECEIVED
    return queued


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
        assert _store_at_once(service, copies=COPIES) >= 60 * COPIES
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
    assert len(jobs) >= 40 * COPIES
    assert {(state, attempts) for _, state, attempts in jobs} == {(JobState.DONE, 1)}
    assert doubled_nodes == []
    assert drafts_per_message and {count for _, count in drafts_per_message} == {1}
    assert graph_runs == len(jobs)
    done_by = [set(worker.job_ids_done()) for worker in workers]
    assert done_by[0] and done_by[1], "both workers should have taken jobs"
    assert not done_by[0] & done_by[1]
    assert done_by[0] | done_by[1] == {job_id for job_id, _, _ in jobs}
