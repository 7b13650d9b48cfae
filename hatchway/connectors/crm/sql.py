"""The SQL CRM adapter: reads an existing shop/CRM database as it is, through a column mapping.

Read-only except :meth:`SqlCrm.log_activity`, which inserts into the configured activities
table and is refused (``ConfigError``) when none is configured. Works with any SQLAlchemy URL;
tested on SQLite and PostgreSQL with the demo shop.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, TableClause, func, insert

from hatchway.connectors._sql import SqlSource, key_value
from hatchway.connectors._values import amount_from_storage, validate_record
from hatchway.connectors.crm._sql_related import RelatedRows
from hatchway.connectors.crm.models import Activity, Customer, Order
from hatchway.connectors.crm.sql_settings import SqlCrmSettings
from hatchway.errors import ConfigError

__all__ = ["SqlCrm"]

CONNECTOR = "crm"


class SqlCrm:
    """A :class:`~hatchway.connectors.crm.protocol.CrmConnector` over a SQL database."""

    def __init__(self, source: SqlSource, settings: SqlCrmSettings) -> None:
        self._source = source
        self._settings = settings
        self._tables = settings.tables

    @classmethod
    def from_settings(cls, settings: SqlCrmSettings) -> SqlCrm:
        """Build the adapter and its engine from ``[crm]`` settings."""
        return cls(SqlSource.from_settings(CONNECTOR, settings), settings)

    def customer_by_email(self, email: str) -> Customer | None:
        """The customer with this address, compared case-insensitively."""
        mapping = self._tables.customers
        clause, statement = self._source.select(mapping)
        wanted = email.strip().lower()
        statement = statement.where(func.lower(clause.c[mapping.email]) == wanted)
        rows = self._source.rows(statement.order_by(clause.c[mapping.id]).limit(1))
        return self._customer(rows[0]) if rows else None

    def orders_of(self, customer: Customer, *, limit: int = 10) -> list[Order]:
        """The customer's orders, newest first."""
        key = key_value(customer.id, self._tables.customers.key_type)
        if key is None:
            return []
        column = self._tables.orders.customer_id
        return self._orders(lambda orders: orders.c[column] == key, limit)

    def order_by_id(self, order_id: str) -> Order | None:
        """The order with this id, or None."""
        key = key_value(order_id.strip(), self._tables.orders.key_type)
        if key is None:
            return None
        found = self._orders(lambda orders: orders.c[self._tables.orders.id] == key, 1)
        return found[0] if found else None

    def log_activity(
        self, customer: Customer, kind: str, text: str, *, idempotency_key: str | None = None
    ) -> Activity:
        """Insert one row into the activities table.

        ``idempotency_key`` is not stored (a mapped activities table has no column for it).
        """
        mapping = self._tables.activities
        if mapping is None:
            raise ConfigError(
                "crm.tables.activities",
                "no activities table is configured, so hatchway may not write to this CRM",
                "map one, e.g. [crm.tables.activities] table = 'hatchway_activities' "
                "(columns customer_id, kind, text, occurred_at), or do not log activities",
            )
        activity = validate_record(
            CONNECTOR,
            Activity,
            {"customer_id": customer.id, "kind": kind, "text": text, "occurred_at": _now()},
        )
        values = {
            mapping.customer_id: key_value(customer.id, self._tables.customers.key_type),
            mapping.kind: activity.kind,
            mapping.text: activity.text,
            mapping.occurred_at: activity.occurred_at.isoformat(sep=" ", timespec="seconds"),
        }
        with self._source.errors(), self._source.engine.begin() as connection:
            connection.execute(insert(self._source.table(mapping)).values(values))
        return activity

    def close(self) -> None:
        """Dispose of the engine's connections."""
        self._source.close()

    def _customer(self, row: Mapping[str, Any]) -> Customer:
        data = dict(row)
        value = amount_from_storage(data.get("lifetime_value"), self._settings.money)
        data["lifetime_value"] = value
        data["currency"] = self._settings.currency if value is not None else None
        data["open_disputes"] = data.get("open_disputes") or 0
        return validate_record(CONNECTOR, Customer, data)

    def _orders(self, where: Any, limit: int) -> list[Order]:
        mapping = self._tables.orders
        clause, statement = self._source.select(mapping)
        statement = statement.where(where(clause)).order_by(*_newest_first(clause, mapping))
        with self._source.reading():  # the orders and their related rows: one connection
            rows = self._source.rows(statement.limit(limit))
            related = RelatedRows.load(self._source, self._tables, rows, self._settings.money)
        return [self._order(row, related) for row in rows]

    def _order(self, row: Mapping[str, Any], related: RelatedRows) -> Order:
        data = dict(row)
        key = str(data["id"])
        money = self._settings.money
        for name in ("subtotal", "shipping", "total"):
            data[name] = amount_from_storage(data.get(name), money)
        data["currency"] = data.get("currency") or self._settings.currency
        address_id = data.pop("shipping_address_id", None)
        data["shipping_address"] = related.addresses.get(str(address_id))
        data["lines"] = related.lines.get(key, [])
        data["invoice_ids"] = related.invoices.get(key, [])
        data["returns"] = related.returns.get(key, [])
        data["refunds"] = related.refunds.get(key, [])
        return validate_record(CONNECTOR, Order, data)


def _newest_first(clause: TableClause, mapping: Any) -> list[ColumnElement[Any]]:
    keys = [clause.c[mapping.id].desc()]
    if mapping.placed_at is not None:
        keys.insert(0, clause.c[mapping.placed_at].desc())
    return keys


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
