"""The HTTP/JSON CRM adapter, for CRMs reached through a small bridge service.

Contract (full text with examples in ``docs/connectors-http.md``); paths are relative to
``base_url``, path segments are percent-encoded, every request carries the configured auth
header, bodies are the JSON form of :mod:`hatchway.connectors.crm.models`:

==========================================  ==================================================
``GET  customers?email=<address>``          200 ``[Customer]`` (empty list: unknown address)
``GET  customers/{id}/orders?limit=<n>``    200 ``[Order]`` newest first; 404: no such customer
``GET  orders/{id}``                        200 ``Order``; 404: no such order
``POST customers/{id}/activities``          body ``{kind, text, occurred_at}``; any 2xx;
                                            header ``Idempotency-Key`` repeats on retries
==========================================  ==================================================

401/403 → ``AuthError``; 429 and 5xx (honouring ``Retry-After``), timeouts and connection
failures → retried, then ``TransientError``; any other answer → ``ProtocolError``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote

import httpx

from hatchway.connectors._jsonhttp import HttpSettingsBase, JsonHttpClient
from hatchway.connectors._values import validate_record
from hatchway.connectors.crm.models import Activity, Customer, Order
from hatchway.errors import ProtocolError

__all__ = ["HttpCrm", "HttpCrmSettings"]

CONNECTOR = "crm"


class HttpCrmSettings(HttpSettingsBase):
    """``[crm]`` with ``kind = "http"``: a CRM bridge speaking the hatchway JSON contract."""

    kind: Literal["http"] = "http"


def _segment(value: str) -> str:
    return quote(value, safe="")


def json_list(connector: str, payload: Any, what: str) -> list[Any]:
    """The payload as a list of JSON objects (None means none); anything else is a misfit."""
    if payload is None:
        return []
    if not isinstance(payload, list) or not all(isinstance(item, dict) for item in payload):
        raise ProtocolError(connector, f"{what}: expected a JSON array of objects")
    return payload


class HttpCrm:
    """A :class:`~hatchway.connectors.crm.protocol.CrmConnector` over the JSON contract."""

    def __init__(
        self, settings: HttpCrmSettings, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._http = JsonHttpClient(CONNECTOR, settings, transport)

    def customer_by_email(self, email: str) -> Customer | None:
        """``GET customers?email=``; the first match."""
        found = json_list(CONNECTOR, self._http.get("customers", {"email": email.strip()}), "")
        return validate_record(CONNECTOR, Customer, found[0]) if found else None

    def orders_of(self, customer: Customer, *, limit: int = 10) -> list[Order]:
        """``GET customers/{id}/orders?limit=``."""
        path = f"customers/{_segment(customer.id)}/orders"
        payload = self._http.get(path, {"limit": limit})
        orders = json_list(CONNECTOR, payload, path)
        return [validate_record(CONNECTOR, Order, item) for item in orders[:limit]]

    def order_by_id(self, order_id: str) -> Order | None:
        """``GET orders/{id}``."""
        if not order_id.strip():
            return None  # "orders/" would name the collection, not an order
        path = f"orders/{_segment(order_id.strip())}"
        payload = self._http.get(path)
        if payload is None:
            return None
        if not isinstance(payload, dict):
            raise ProtocolError(CONNECTOR, f"{path}: expected a JSON object")
        return validate_record(CONNECTOR, Order, payload)

    def log_activity(
        self, customer: Customer, kind: str, text: str, *, idempotency_key: str | None = None
    ) -> Activity:
        """``POST customers/{id}/activities``."""
        activity = validate_record(
            CONNECTOR,
            Activity,
            {"customer_id": customer.id, "kind": kind, "text": text, "occurred_at": _now()},
        )
        path = f"customers/{_segment(customer.id)}/activities"
        body = activity.model_dump(mode="json", include={"kind", "text", "occurred_at"})
        self._http.post(path, body, idempotency_key=idempotency_key)
        return activity

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
