"""SIGTERM to a real `hatchway worker`: the job in hand is finished, or handed back at once."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hatchway.demo import DEMO_OWN_DOMAINS, find_demo_data
from hatchway.intake import accept_raw_message
from hatchway.store.jobs import claim_job
from hatchway.store.models import GraphRun, InboundSource, Job, JobState
from tests.fixtures.crm_http import CrmHttpServer
from tests.observability._service import DemoService, WorkerProcess, start_worker

pytestmark = pytest.mark.slow

ORDER_MAIL = "001-facture-gps.eml"  # asks for an invoice: the lookup node calls the CRM


def _service(root: Path, database_url: str, crm: CrmHttpServer, grace: float) -> DemoService:
    crm_toml = (
        f'[crm]\nkind = "http"\nbase_url = "{crm.base_url}"\n'
        f'auth_value = "{crm.auth_value}"\ntimeout_seconds = 60\n'
    )
    return DemoService(root, database_url, crm_toml=crm_toml, grace_seconds=grace)


def _enqueue_one(service: DemoService) -> int:
    raw = (find_demo_data().mailbox / ORDER_MAIL).read_bytes()
    with service.database.session() as session:
        accepted = accept_raw_message(
            session, raw=raw, source=InboundSource.FILE, own_domains=frozenset(DEMO_OWN_DOMAINS)
        )
        job = session.scalars(select(Job).where(Job.inbound_message_id == accepted.message.id))
        return job.one().id


def _worker_in_slow_job(service: DemoService, crm: CrmHttpServer, delay: float) -> WorkerProcess:
    worker = start_worker(service.write_config(), service.root / "worker.log")
    worker.wait_for_log("started; job kinds")
    crm.script(*[{"delay": delay}] * 5)  # every CRM call of this job is slow
    job_id = _enqueue_one(service)
    worker.wait_for_log(f"job {job_id} (triage) attempt 1 started")
    time.sleep(0.5)  # inside the handler, waiting for the CRM
    return worker


def _job(service: DemoService) -> Job:
    with service.database.session() as session:
        job = session.scalars(select(Job)).one()
        session.expunge(job)
        return job


def test_sigterm_finishes_the_job_in_hand_then_exits_0(
    database_url: str, tmp_path: Path, crm_http: CrmHttpServer
) -> None:
    service = _service(tmp_path, database_url, crm_http, grace=60)
    worker = _worker_in_slow_job(service, crm_http, delay=2.0)
    try:
        assert worker.terminate() == 0
    finally:
        if worker.process.poll() is None:
            worker.process.kill()
    job = _job(service)
    assert (job.state, job.lease_owner) == (JobState.DONE, None)
    messages = [str(record.get("message")) for record in worker.records()]
    signal_at = next(i for i, m in enumerate(messages) if "finishing the current job" in m)
    assert any(m.endswith("(triage) done") for m in messages[signal_at:])
    service.database.dispose()


def test_past_the_grace_the_job_is_handed_back_and_another_worker_takes_it_at_once(
    database_url: str, tmp_path: Path, crm_http: CrmHttpServer
) -> None:
    service = _service(tmp_path, database_url, crm_http, grace=0.5)
    worker = _worker_in_slow_job(service, crm_http, delay=30.0)
    started = time.monotonic()
    try:
        assert worker.terminate(timeout=20) == 0
    finally:
        if worker.process.poll() is None:
            worker.process.kill()
    assert time.monotonic() - started < 15  # not the 30 s the CRM takes
    job = _job(service)
    assert (job.state, job.lease_owner, job.attempts) == (JobState.QUEUED, None, 0)
    with service.database.session() as session:
        thread = session.scalars(select(GraphRun)).one()
        assert thread.lease_owner is None
    taken = claim_job(
        service.database, owner="next-worker", kinds=["triage"], lease=timedelta(minutes=5)
    )
    assert taken is not None and taken.id == job.id
    assert any("handed back" in str(r.get("message")) for r in worker.records())
    service.database.dispose()
