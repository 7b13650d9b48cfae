"""An in-memory CRM for unit tests: seeded with records, and able to fail on demand."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from hatchway.connectors.crm.models import Activity, Customer, Order
from hatchway.errors import ConnectorError

__all__ = ["InMemoryCrm"]


class InMemoryCrm:
    """A :class:`~hatchway.connectors.crm.protocol.CrmConnector` over plain lists.

    Set :attr:`error` to make every call raise it (e.g. ``TransientError("crm", "down")``):
    that is how tests show a CRM outage. :attr:`activities` holds what was logged.
    """

    def __init__(self, customers: Iterable[Customer] = (), orders: Iterable[Order] = ()) -> None:
        self.customers: list[Customer] = list(customers)
        self.orders: list[Order] = list(orders)
        self.activities: list[Activity] = []
        self.activity_keys: dict[str, Activity] = {}
        self.error: ConnectorError | None = None
        self.closed = False

    def _check(self) -> None:
        if self.error is not None:
            raise self.error

    def customer_by_email(self, email: str) -> Customer | None:
        """The first customer whose address matches ``email`` ignoring case."""
        self._check()
        wanted = email.strip().casefold()
        return next((c for c in self.customers if c.email.casefold() == wanted), None)

    def orders_of(self, customer: Customer, *, limit: int = 10) -> list[Order]:
        """The customer's orders, newest first."""
        self._check()
        mine = [order for order in self.orders if order.customer_id == customer.id]
        mine.sort(key=lambda o: (o.placed_at or datetime.min, o.id), reverse=True)
        return mine[:limit]

    def order_by_id(self, order_id: str) -> Order | None:
        """The order with exactly this id."""
        self._check()
        return next((order for order in self.orders if order.id == order_id), None)

    def log_activity(
        self, customer: Customer, kind: str, text: str, *, idempotency_key: str | None = None
    ) -> Activity:
        """Append to :attr:`activities` (a repeated ``idempotency_key`` logs nothing new)."""
        self._check()
        if idempotency_key is not None and idempotency_key in self.activity_keys:
            return self.activity_keys[idempotency_key]
        activity = Activity(
            customer_id=customer.id, kind=kind, text=text, occurred_at=datetime.now(UTC)
        )
        self.activities.append(activity)
        if idempotency_key is not None:
            self.activity_keys[idempotency_key] = activity
        return activity

    def close(self) -> None:
        """Nothing to release; remembered for tests."""
        self.closed = True
