"""A CRM activity for every sent reply, as a durable job (``crm_activity``).

The job is queued when the ``reply.sent`` / ``reply.auto_sent`` event (written with the
sent marking) is fanned out, in that same transaction; its handler finds the customer by
the sender's address and calls :meth:`CrmConnector.log_activity`. A transient CRM failure
raises, so the worker retries the job with backoff. Without a ``[crm]`` nothing is queued.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from hatchway.connectors.crm import CrmConnector, connect_crm
from hatchway.store.jobs import ClaimedJob, enqueue
from hatchway.store.models import WebhookEvent
from hatchway.webhooks.events import REPLY_SENT_EVENTS
from hatchway.worker import JobHandler

if TYPE_CHECKING:
    from hatchway.config import Settings

__all__ = [
    "ACTIVITY_KIND",
    "CRM_ACTIVITY_JOB",
    "CrmActivityRequest",
    "activity_text",
    "make_crm_activity_handler",
    "open_crm_activity_handlers",
    "queue_crm_activity",
]

log = logging.getLogger(__name__)

CRM_ACTIVITY_JOB = "crm_activity"
ACTIVITY_KIND = "email_reply"


class CrmActivityRequest(BaseModel):
    """What the job needs to log the activity; taken from the reply event's payload."""

    model_config = ConfigDict(extra="ignore")

    event_id: int
    item_id: int
    customer_email: str | None = None
    reply_message_id: str
    reply_subject: str | None = None
    approval: str
    approved_by: dict[str, Any] | None = None
    sent_at: str | None = None


def queue_crm_activity(session: Session, events: Iterable[WebhookEvent]) -> int:
    """A ``crm_activity`` job per sent-reply event, in the caller's transaction."""
    queued = 0
    for event in events:
        if event.type in REPLY_SENT_EVENTS:
            enqueue(session, kind=CRM_ACTIVITY_JOB, payload={"event_id": event.id, **event.payload})
            queued += 1
    return queued


def activity_text(request: CrmActivityRequest) -> str:
    """The note on the customer record: what was sent, how it was approved, how to find it."""
    if request.approval == "auto" or request.approved_by is None:
        how = "sent automatically by hatchway"
    else:
        how = f"sent by {request.approved_by.get('username', 'a reviewer')} (hatchway review)"
    return (
        f"Email reply {how}: {request.reply_subject or '(no subject)'}\n"
        f"Message-ID: {request.reply_message_id}\n"
        f"Sent at: {request.sent_at or 'unknown'}; hatchway item {request.item_id}"
    )


def make_crm_activity_handler(crm: CrmConnector) -> JobHandler:
    """The job handler; raises on CRM errors so the worker retries (transient) or fails it."""

    def log_reply_activity(job: ClaimedJob) -> None:
        request = CrmActivityRequest.model_validate(job.payload)
        email = request.customer_email
        customer = crm.customer_by_email(email) if email else None
        if customer is None:  # not a customer: nothing to attach the note to
            log.info("crm_activity job %s: %r is not a CRM customer; skipped", job.id, email)
            return
        # One key per sent reply, the same on every retry of the job: logged at most once.
        key = "hatchway-reply-" + hashlib.sha256(request.reply_message_id.encode()).hexdigest()[:32]
        crm.log_activity(customer, ACTIVITY_KIND, activity_text(request), idempotency_key=key)

    return log_reply_activity


@contextmanager
def open_crm_activity_handlers(settings: Settings) -> Iterator[dict[str, JobHandler]]:
    """``{"crm_activity": handler}`` with its CRM connection open, or ``{}`` without a CRM."""
    if settings.crm is None:
        yield {}
        return
    crm = connect_crm(settings.crm)
    try:
        yield {CRM_ACTIVITY_JOB: make_crm_activity_handler(crm)}
    finally:
        crm.close()
