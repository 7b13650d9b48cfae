"""One signed POST of one event, and what its answer means for the delivery.

2xx: delivered. 408, 429, 5xx, timeouts and connection errors: worth another try (honouring
``Retry-After``). Any other answer (3xx, 4xx): a permanent refusal, not retried.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from hatchway._version import __version__
from hatchway.webhooks.deliveries import ClaimedDelivery
from hatchway.webhooks.settings import WebhookSettings
from hatchway.webhooks.signing import SIGNATURE_HEADER, signature_header

__all__ = ["PostOutcome", "event_body", "post_delivery"]

RETRYABLE_STATUS = frozenset({408, 429})


@dataclass(frozen=True)
class PostOutcome:
    """What one attempt achieved."""

    delivered: bool
    retryable: bool
    status_code: int | None = None
    error: str | None = None
    retry_after: float | None = None


def event_body(claim: ClaimedDelivery) -> bytes:
    """The JSON body: the same bytes on every attempt of this delivery."""
    envelope: dict[str, Any] = {
        "id": claim.event_id,
        "type": claim.event_type,
        "occurred_at": claim.occurred_at.isoformat(),
        "data": claim.payload,
    }
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()


def post_delivery(
    client: httpx.Client, endpoint: WebhookSettings, claim: ClaimedDelivery
) -> PostOutcome:
    """POST the event, signed now; never raises for network or HTTP failures."""
    body = event_body(claim)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"hatchway/{__version__}",
        "Hatchway-Event": claim.event_type,
        "Hatchway-Delivery": str(claim.id),
        SIGNATURE_HEADER: signature_header(
            endpoint.secret.get_secret_value(), int(time.time()), body
        ),
    }
    try:
        response = client.post(
            endpoint.endpoint, content=body, headers=headers, timeout=endpoint.timeout_seconds
        )
    except httpx.TimeoutException as exc:
        return PostOutcome(False, True, error=f"timed out: {type(exc).__name__}")
    except httpx.TransportError as exc:
        return PostOutcome(False, True, error=f"connection failed: {type(exc).__name__}: {exc}")
    return _outcome(response)


def _outcome(response: httpx.Response) -> PostOutcome:
    status = response.status_code
    if 200 <= status < 300:
        return PostOutcome(True, False, status_code=status)
    error = f"HTTP {status}: {response.text[:500]}"
    if status in RETRYABLE_STATUS or status >= 500:
        retry_after = _retry_after(response.headers.get("Retry-After"))
        return PostOutcome(False, True, status_code=status, error=error, retry_after=retry_after)
    return PostOutcome(False, False, status_code=status, error=error)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
