"""The interface every CRM connector implements.

Error contract: every method raises only from the hatchway tree. ``TransientError`` when the
CRM is unreachable, times out or is overloaded (the adapter has already retried);
``AuthError`` when it refuses our credentials; ``ProtocolError`` when it answers something we
cannot use; ``ConfigError`` when the configuration cannot serve the call (``log_activity``
without an activities table). "Not found" is not an error: it is ``None`` or ``[]``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from hatchway.connectors.crm.models import Activity, Customer, Order

__all__ = ["CrmConnector"]


@runtime_checkable
class CrmConnector(Protocol):
    """Customers by email, their orders, orders by id; one write: logging an activity."""

    def customer_by_email(self, email: str) -> Customer | None:
        """The customer whose address is ``email`` (case-insensitive), or None."""
        ...

    def orders_of(self, customer: Customer, *, limit: int = 10) -> list[Order]:
        """The customer's orders, newest first, at most ``limit``."""
        ...

    def order_by_id(self, order_id: str) -> Order | None:
        """The order with this id, whoever it belongs to, or None."""
        ...

    def log_activity(
        self, customer: Customer, kind: str, text: str, *, idempotency_key: str | None = None
    ) -> Activity:
        """Record ``text`` of ``kind`` on the customer's record; returns what was logged.

        ``idempotency_key`` identifies this note across retries, for CRMs that de-duplicate
        (the HTTP adapter sends it as ``Idempotency-Key``).
        """
        ...

    def close(self) -> None:
        """Release connections; the connector is not used afterwards."""
        ...
