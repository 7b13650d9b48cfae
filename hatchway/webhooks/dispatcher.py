"""The worker's webhook poller: fan new events out, then deliver what is due.

Each pass (1) turns recorded events into one delivery row per subscribed endpoint and, for
a sent reply with a CRM configured, a ``crm_activity`` job — in one transaction, so neither
is lost nor doubled; (2) claims due deliveries under a lease and POSTs them, recording the
outcome and, on a temporary failure, the time of the next attempt (exponential backoff
with full jitter, capped), so retries survive restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx
from tenacity import RetryCallState, Retrying
from tenacity.wait import wait_random_exponential

from hatchway.store import Database
from hatchway.webhooks.crm_activity import queue_crm_activity
from hatchway.webhooks.deliveries import (
    ClaimedDelivery,
    claim_delivery,
    fan_out,
    record_delivered,
    record_failed,
    schedule_retry,
)
from hatchway.webhooks.sender import PostOutcome, post_delivery
from hatchway.webhooks.settings import WebhookSettings
from hatchway.worker import worker_name

if TYPE_CHECKING:
    from hatchway.config import Settings

__all__ = ["DispatchResult", "WebhookDispatcher", "backoff_delay", "build_webhook_dispatcher"]

log = logging.getLogger(__name__)

LEASE_MARGIN = timedelta(seconds=60)


@dataclass
class DispatchResult:
    """What one pass did."""

    events: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def backoff_delay(endpoint: WebhookSettings, attempts: int) -> timedelta:
    """A random wait up to initial x 2^(attempts-1), capped at the endpoint's maximum."""
    wait = wait_random_exponential(
        multiplier=endpoint.retry_initial_seconds, max=endpoint.retry_max_seconds
    )
    state = RetryCallState(Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempts
    return timedelta(seconds=wait(state))


class WebhookDispatcher:
    """Fans events out and delivers them; call it (a worker poller) to run one pass."""

    def __init__(
        self,
        database: Database,
        endpoints: Sequence[WebhookSettings],
        *,
        crm_activity: bool = False,
        client: httpx.Client | None = None,
        owner: str | None = None,
        batch: int = 50,
    ) -> None:
        self.database = database
        self.endpoints = {endpoint.endpoint: endpoint for endpoint in endpoints}
        self.crm_activity = crm_activity
        self.client = client or httpx.Client(follow_redirects=False)
        self.owner = owner or worker_name()
        self.batch = batch

    def __call__(self) -> DispatchResult:
        """One pass: fan out new events, then up to ``batch`` due deliveries."""
        result = DispatchResult(events=self.fan_out())
        for _ in range(self.batch):
            claim = claim_delivery(self.database, owner=self.owner, lease=self._lease())
            if claim is None:
                break
            self._deliver(claim, result)
        return result

    def fan_out(self) -> int:
        """Delivery rows (and CRM activity jobs) for events not fanned out yet."""
        with self.database.session() as session:
            events = fan_out(session, list(self.endpoints.values()), limit=self.batch * 4)
            if self.crm_activity:
                queue_crm_activity(session, events)
            return len(events)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.client.close()

    def _lease(self) -> timedelta:
        longest = max((e.timeout_seconds for e in self.endpoints.values()), default=0.0)
        return timedelta(seconds=longest) + LEASE_MARGIN

    def _deliver(self, claim: ClaimedDelivery, result: DispatchResult) -> None:
        endpoint = self.endpoints.get(claim.endpoint)
        if endpoint is None:
            record_failed(
                self.database, claim, status_code=None, error="endpoint no longer configured"
            )
            result.failed += 1
            return
        outcome = post_delivery(self.client, endpoint, claim)
        if outcome.delivered:
            record_delivered(self.database, claim, status_code=outcome.status_code or 200)
            result.delivered += 1
        elif outcome.retryable and claim.attempts < claim.max_attempts:
            self._retry(endpoint, claim, outcome)
            result.retried += 1
        else:
            error = outcome.error or "failed"
            if outcome.retryable:
                error = f"still failing after {claim.attempts} attempts: {error}"
            record_failed(self.database, claim, status_code=outcome.status_code, error=error)
            log.error("webhook delivery %s to %s failed: %s", claim.id, claim.endpoint, error)
            result.failed += 1

    def _retry(self, endpoint: WebhookSettings, claim: ClaimedDelivery, out: PostOutcome) -> None:
        delay = backoff_delay(endpoint, claim.attempts)
        if out.retry_after is not None:
            delay = max(delay, timedelta(seconds=min(out.retry_after, endpoint.retry_max_seconds)))
        error = out.error or "failed"
        schedule_retry(self.database, claim, status_code=out.status_code, error=error, delay=delay)
        log.warning(
            "webhook delivery %s to %s attempt %s failed (%s); retry in %.1fs",
            claim.id, claim.endpoint, claim.attempts, error, delay.total_seconds(),
        )  # fmt: skip


def build_webhook_dispatcher(settings: Settings, database: Database) -> WebhookDispatcher | None:
    """The worker's poller, or None when there is nothing to do (no webhooks, no CRM)."""
    if not settings.webhooks and settings.crm is None:
        return None
    return WebhookDispatcher(database, settings.webhooks, crm_activity=settings.crm is not None)
