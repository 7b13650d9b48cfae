"""A sent reply logs a CRM activity through a durable job (fake CRM and the HTTP adapter)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import select, update

from hatchway.config import Settings
from hatchway.connectors.crm import Customer, HttpCrmSettings, InMemoryCrm
from hatchway.connectors.smtp import InMemoryMailSender
from hatchway.errors import TransientError
from hatchway.outbox import OutboxRelay, OutboxSettings, approve_draft
from hatchway.store import Database
from hatchway.store.models import Approval, Draft, Job, JobState, utcnow
from hatchway.webhooks.crm_activity import (
    ACTIVITY_KIND,
    CRM_ACTIVITY_JOB,
    make_crm_activity_handler,
    open_crm_activity_handlers,
)
from hatchway.webhooks.dispatcher import WebhookDispatcher, build_webhook_dispatcher
from hatchway.worker import JobHandler, Worker
from tests.fixtures.crm_http import CrmHttpServer
from tests.webhooks.conftest import CUSTOMER

SHOP = "support@shop.example"
EMMA = Customer(id="1", email=CUSTOMER, name="Emma Hughes")


def _send_reply(database: Database, draft_id: int, reviewer_id: int) -> str:
    """Approve (by the reviewer) and relay: the reply goes out; returns its Message-ID."""
    with database.session() as session:
        draft = session.get_one(Draft, draft_id)
        entry = approve_draft(
            session, draft=draft, approval=Approval.HUMAN, approved_by=reviewer_id,
            from_address=SHOP, hold=timedelta(0),
        )  # fmt: skip
    relay = OutboxRelay(database, InMemoryMailSender(mail_from=SHOP), OutboxSettings())
    assert relay.relay_once().sent == 1
    return entry.message_id


def _jobs(database: Database) -> list[Job]:
    with database.session() as session:
        return list(session.scalars(select(Job).where(Job.kind == CRM_ACTIVITY_JOB)))


def _worker(database: Database, handlers: Mapping[str, JobHandler]) -> Worker:
    return Worker(database, handlers, retry_base=timedelta(0), name="worker-test")


def test_a_sent_reply_logs_one_activity_on_the_customer(
    database: Database, stored_draft: tuple[int, int, int]
) -> None:
    _, draft_id, reviewer_id = stored_draft
    reply_id = _send_reply(database, draft_id, reviewer_id)
    assert _jobs(database) == []  # queued when the event is fanned out
    dispatcher = WebhookDispatcher(database, [], crm_activity=True)
    dispatcher()
    dispatcher()
    [job] = _jobs(database)
    assert job.inbound_message_id is None  # a failed activity must not send the item to review
    crm = InMemoryCrm(customers=[EMMA])
    worker = _worker(database, {CRM_ACTIVITY_JOB: make_crm_activity_handler(crm)})
    assert worker.run_once() and not worker.run_once()
    [activity] = crm.activities
    assert (activity.customer_id, activity.kind) == ("1", ACTIVITY_KIND)
    assert reply_id in activity.text and "rita" in activity.text
    assert _jobs(database)[0].state == JobState.DONE


def test_a_crm_outage_is_retried_until_the_activity_is_logged(
    database: Database, stored_draft: tuple[int, int, int]
) -> None:
    _, draft_id, reviewer_id = stored_draft
    _send_reply(database, draft_id, reviewer_id)
    WebhookDispatcher(database, [], crm_activity=True)()
    crm = InMemoryCrm(customers=[EMMA])
    crm.error = TransientError("crm", "503 service unavailable")
    worker = _worker(database, {CRM_ACTIVITY_JOB: make_crm_activity_handler(crm)})
    assert worker.run_once()
    [job] = _jobs(database)
    assert job.state == JobState.QUEUED and "503" in (job.last_error or "")
    crm.error = None
    with database.session() as session:
        session.execute(update(Job).values(run_after=utcnow()))
    assert worker.run_once()
    assert len(crm.activities) == 1 and _jobs(database)[0].state == JobState.DONE


def test_a_job_run_again_after_the_crm_took_it_logs_the_activity_once(
    database: Database, stored_draft: tuple[int, int, int]
) -> None:
    """The worker died after the CRM answered: the retried job carries the same key."""
    _, draft_id, reviewer_id = stored_draft
    _send_reply(database, draft_id, reviewer_id)
    WebhookDispatcher(database, [], crm_activity=True)()
    crm = InMemoryCrm(customers=[EMMA])
    handler = make_crm_activity_handler(crm)
    worker = _worker(database, {CRM_ACTIVITY_JOB: handler})
    assert worker.run_once()
    with database.session() as session:  # as if the job's completion was never recorded
        session.execute(update(Job).values(state=JobState.QUEUED, run_after=utcnow()))
    assert worker.run_once()
    assert len(crm.activities) == 1 and len(crm.activity_keys) == 1


def test_no_crm_configured_means_no_job(
    database: Database, stored_draft: tuple[int, int, int]
) -> None:
    _, draft_id, reviewer_id = stored_draft
    _send_reply(database, draft_id, reviewer_id)
    assert WebhookDispatcher(database, [], crm_activity=False)().events == 1
    assert _jobs(database) == []


def test_no_crm_and_no_webhooks_means_no_poller(database: Database) -> None:
    settings = Settings(dev_mode=True)
    assert build_webhook_dispatcher(settings, database) is None
    with open_crm_activity_handlers(settings) as handlers:
        assert handlers == {}


def _http_crm(server: CrmHttpServer) -> HttpCrmSettings:
    return HttpCrmSettings(
        base_url=server.base_url,
        auth_value=server.auth_value,
        timeout_seconds=5,
        attempts=1,
        retry_initial_wait_seconds=0,
    )


def test_the_http_crm_gets_the_activity_after_a_transient_failure(
    database: Database, stored_draft: tuple[int, int, int], crm_http: CrmHttpServer
) -> None:
    _, draft_id, reviewer_id = stored_draft
    reply_id = _send_reply(database, draft_id, reviewer_id)
    settings = Settings(dev_mode=True, crm=_http_crm(crm_http))
    dispatcher = build_webhook_dispatcher(settings, database)
    assert dispatcher is not None
    dispatcher()
    crm_http.script({"status": 503, "body": "busy"})
    with open_crm_activity_handlers(settings) as handlers:
        assert set(handlers) == {CRM_ACTIVITY_JOB}
        worker = _worker(database, handlers)
        assert worker.run_once()
        assert _jobs(database)[0].state == JobState.QUEUED
        with database.session() as session:
            session.execute(update(Job).values(run_after=utcnow()))
        assert worker.run_once()
    [activity] = crm_http.activities()
    assert activity["customer_id"] == "1" and activity["kind"] == ACTIVITY_KIND
    assert reply_id in activity["text"]
    assert _jobs(database)[0].state == JobState.DONE


def test_a_sender_who_is_not_a_customer_is_skipped(
    database: Database, stored_draft: tuple[int, int, int]
) -> None:
    _, draft_id, reviewer_id = stored_draft
    _send_reply(database, draft_id, reviewer_id)
    WebhookDispatcher(database, [], crm_activity=True)()
    crm = InMemoryCrm()  # knows nobody
    assert _worker(database, {CRM_ACTIVITY_JOB: make_crm_activity_handler(crm)}).run_once()
    assert crm.activities == [] and _jobs(database)[0].state == JobState.DONE
