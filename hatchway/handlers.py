"""Which job kinds this installation's workers run, and with what.

``triage`` first parses the message when ingest stored only its raw bytes (DESIGN.md
step 2: quarantined or ignored mail ends there, with its reason), then starts its graph
thread; ``review_decision`` resumes it with what a reviewer decided. Both need the pinned
models: without them the worker refuses to start and says which pin to set.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from hatchway.config import Settings
from hatchway.graphs.build import build_triage_services
from hatchway.graphs.checkpoint import open_checkpointer
from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.graphs.runner import DecisionRefused, TriageRunner
from hatchway.intake import TRIAGE_JOB, parse_for_triage
from hatchway.policies.lifecycle import apply_model_pins
from hatchway.review import REOPEN_REVIEW_JOB, REVIEW_DECISION_JOB
from hatchway.store import Database
from hatchway.store.jobs import ClaimedJob
from hatchway.store.models import InboundStatus
from hatchway.webhooks.crm_activity import open_crm_activity_handlers
from hatchway.worker import JobHandler, worker_name

__all__ = ["open_handlers"]

log = logging.getLogger(__name__)

NOT_TRIAGED = frozenset({InboundStatus.QUARANTINED, InboundStatus.IGNORED})
"""What the parse step may decide that ends a triage job: the reason is on the message."""


@contextmanager
def open_handlers(
    settings: Settings, database: Database, *, owner: str | None = None
) -> Iterator[dict[str, JobHandler]]:
    """The job handlers of a worker process, with their checkpointer open while in use.

    ``owner`` names the process in graph thread leases: the worker's own name, so that a
    shutdown hand-back can release exactly the leases it holds."""
    services = build_triage_services(settings, database)
    with database.session() as session:
        apply_model_pins(session, settings.models.model_pins(), actor="system:worker")
    with open_checkpointer(database) as checkpointer, open_crm_activity_handlers(settings) as crm:
        runner = TriageRunner(services, checkpointer, owner=owner or worker_name())
        own_domains = frozenset(settings.own_domains)

        def triage(job: ClaimedJob) -> None:
            assert job.inbound_message_id is not None
            status = parse_for_triage(database, job.inbound_message_id, own_domains=own_domains)
            if status is None:
                log.warning("triage job %s: message %s not found", job.id, job.inbound_message_id)
                return
            if status in NOT_TRIAGED:
                log.info("triage job %s: message %s %s", job.id, job.inbound_message_id, status)
                return
            runner.start(job.inbound_message_id)

        def review_decision(job: ClaimedJob) -> None:
            assert job.inbound_message_id is not None
            decision = ReviewerDecision.model_validate(job.payload)
            try:
                runner.resume(job.inbound_message_id, decision)
            except DecisionRefused as exc:  # decided already (e.g. twice): nothing to do
                log.warning("review decision job %s ignored: %s", job.id, exc)

        def reopen_review(job: ClaimedJob) -> None:
            assert job.inbound_message_id is not None
            try:
                runner.reopen(job.inbound_message_id)
            except DecisionRefused as exc:
                log.warning("reopen job %s ignored: %s", job.id, exc)

        yield {
            TRIAGE_JOB: triage,
            REVIEW_DECISION_JOB: review_decision,
            REOPEN_REVIEW_JOB: reopen_review,
            **crm,  # crm_activity, when a CRM is configured
        }
