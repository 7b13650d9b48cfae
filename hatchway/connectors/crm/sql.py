"""The SQL CRM adapter: reads an existing shop/CRM database as it is, through a column mapping.

Read-only except :meth:`SqlCrm.log_activity`, which inserts into the configured activities
table and is refused (``ConfigError``) when none is configured. Works with any SQLAlchemy URL;
tested on SQLite and PostgreSQL with the demo shop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    TableClause,
    bindparam,
    func,
    insert,
)
from sqlalchemy.types import TypeEngine

from hatchway.connectors._sql import KeyType, SqlSource, key_value
from hatchway.connectors._values import amount_from_storage, validate_record
from hatchway.connectors.crm._sql_related import RelatedRows, RelatedStatements
from hatchway.connectors.crm.models import Activity, Customer, Order
from hatchway.connectors.crm.sql_settings import CrmTables, OrdersTable, SqlCrmSettings
from hatchway.errors import ConfigError

__all__ = ["SqlCrm"]

CONNECTOR = "crm"

# How a key is bound: the type SQLAlchemy would infer from its value (int or str).
_KEY_TYPES: dict[KeyType, type[TypeEngine[Any]]] = {"integer": Integer, "text": String}


@dataclass(frozen=True)
class _Statements:
    """Every read of the adapter, built once from the mapping with bind parameters and run
    with a dict of values: building a statement and its cache key costs more than running it.

    Bind parameters are named ``b_…`` so that none equals a column name.
    """

    customer_by_email: Select[Any]  # b_email (already lower-cased)
    orders_of: Select[Any]  # b_key (a customer id), b_limit; newest first
    order_by_id: Select[Any]  # b_key (an order id), b_limit
    related: RelatedStatements

    @classmethod
    def build(cls, source: SqlSource, tables: CrmTables) -> _Statements:
        """The statements for ``tables``; touches no database."""
        customers = tables.customers
        clause, by_email = source.select(customers)
        wanted = bindparam("b_email", type_=String())
        by_email = by_email.where(func.lower(clause.c[customers.email]) == wanted)
        by_email = by_email.order_by(clause.c[customers.id]).limit(1)
        orders = tables.orders
        return cls(
            customer_by_email=by_email,
            orders_of=_orders_where(source, orders, orders.customer_id, customers.key_type),
            order_by_id=_orders_where(source, orders, orders.id, orders.key_type),
            related=RelatedStatements.build(source, tables),
        )


class SqlCrm:
    """A :class:`~hatchway.connectors.crm.protocol.CrmConnector` over a SQL database."""

    def __init__(self, source: SqlSource, settings: SqlCrmSettings) -> None:
        self._source = source
        self._settings = settings
        self._tables = settings.tables
        self._statements = _Statements.build(source, settings.tables)

    @classmethod
    def from_settings(cls, settings: SqlCrmSettings) -> SqlCrm:
        """Build the adapter and its engine from ``[crm]`` settings."""
        return cls(SqlSource.from_settings(CONNECTOR, settings), settings)

    def customer_by_email(self, email: str) -> Customer | None:
        """The customer with this address, compared case-insensitively."""
        wanted = email.strip().lower()
        rows = self._source.rows(self._statements.customer_by_email, {"b_email": wanted})
        return self._customer(rows[0]) if rows else None

    def orders_of(self, customer: Customer, *, limit: int = 10) -> list[Order]:
        """The customer's orders, newest first."""
        key = key_value(customer.id, self._tables.customers.key_type)
        if key is None:
            return []
        return self._orders(self._statements.orders_of, key, limit)

    def order_by_id(self, order_id: str) -> Order | None:
        """The order with this id, or None."""
        key = key_value(order_id.strip(), self._tables.orders.key_type)
        if key is None:
            return None
        found = self._orders(self._statements.order_by_id, key, 1)
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

    def _orders(self, statement: Select[Any], key: int | str, limit: int) -> list[Order]:
        related_statements = self._statements.related
        money = self._settings.money
        with self._source.reading():  # the orders and their related rows: one connection
            rows = self._source.rows(statement, {"b_key": key, "b_limit": limit})
            related = RelatedRows.load(self._source, related_statements, rows, money)
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


def _orders_where(
    source: SqlSource, mapping: OrdersTable, key_column: str, key_type: KeyType
) -> Select[Any]:
    """Orders whose ``key_column`` equals ``b_key``, newest first, at most ``b_limit``."""
    clause, statement = source.select(mapping)
    key = bindparam("b_key", type_=_KEY_TYPES[key_type]())
    statement = statement.where(clause.c[key_column] == key)
    statement = statement.order_by(*_newest_first(clause, mapping))
    return statement.limit(bindparam("b_limit", type_=Integer()))


def _newest_first(clause: TableClause, mapping: OrdersTable) -> list[ColumnElement[Any]]:
    keys: list[ColumnElement[Any]] = [clause.c[mapping.id].desc()]
    if mapping.placed_at is not None:
        keys.insert(0, clause.c[mapping.placed_at].desc())
    return keys


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
