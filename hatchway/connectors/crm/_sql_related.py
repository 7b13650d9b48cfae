"""The rows that hang off a page of orders (lines, invoices, returns, refunds, addresses).

One ``IN`` query per related table for the whole page, so reading ten orders costs at most
six queries, not sixty.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, bindparam

from hatchway.connectors._sql import SqlSource, TableMap
from hatchway.connectors._values import MoneyUnit, amount_from_storage
from hatchway.connectors.crm.sql_settings import AddressesTable, CrmTables

__all__ = ["RelatedRows", "RelatedStatements", "format_address"]

Row = Mapping[str, Any]


def format_address(row: Row) -> str:
    """One display line: ``14 Rowan Terrace, EH9 1QB Edinburgh, GB``."""
    place = " ".join(str(row[k]) for k in ("postcode", "city") if row.get(k))
    parts = [row.get("line1"), row.get("line2"), place, row.get("country")]
    return ", ".join(str(part) for part in parts if part)


@dataclass(frozen=True)
class RelatedStatements:
    """The ``IN`` reads of the related tables, built once per adapter with an expanding bind
    parameter ``b_ids`` (building a statement and its cache key costs more than running it).
    None for a table the database does not have."""

    lines: Select[Any] | None
    invoices: Select[Any] | None
    returns: Select[Any] | None
    refunds: Select[Any] | None
    addresses: Select[Any] | None

    @classmethod
    def build(cls, source: SqlSource, tables: CrmTables) -> RelatedStatements:
        """The statements for ``tables``; touches no database."""
        return cls(
            lines=_by_order_statement(source, tables.order_lines, "line"),
            invoices=_by_order_statement(source, tables.invoices, "id"),
            returns=_by_order_statement(source, tables.returns, "created_at"),
            refunds=_by_order_statement(source, tables.refunds, "created_at"),
            addresses=_addresses_statement(source, tables.addresses),
        )


@dataclass
class RelatedRows:
    """Related rows of some orders, grouped by order id (as a string)."""

    lines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    invoices: dict[str, list[str]] = field(default_factory=dict)
    returns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    refunds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        source: SqlSource,
        statements: RelatedStatements,
        orders: Sequence[Row],
        money: MoneyUnit,
    ) -> RelatedRows:
        """Fetch everything related to ``orders`` (rows of the orders select)."""
        related = cls()
        ids = [row["id"] for row in orders]
        if not ids:
            return related
        related.lines = _by_order(source, statements.lines, ids)
        for lines in related.lines.values():
            for line in lines:
                line["unit_price"] = amount_from_storage(line.get("unit_price"), money)
        invoices = _by_order(source, statements.invoices, ids)
        related.invoices = {key: [str(r["id"]) for r in rows] for key, rows in invoices.items()}
        related.returns = _by_order(source, statements.returns, ids)
        related.refunds = _by_order(source, statements.refunds, ids)
        for refunds in related.refunds.values():
            for refund in refunds:
                refund["amount"] = amount_from_storage(refund["amount"], money)
        address_ids = {row.get("shipping_address_id") for row in orders} - {None}
        related.addresses = _addresses(source, statements.addresses, sorted(address_ids, key=str))
        return related


# The ids bound to the IN: typed by their values (the key columns' types are not declared).
_IDS = "b_ids"


def _by_order_statement(
    source: SqlSource, mapping: TableMap | None, order_by: str
) -> Select[Any] | None:
    if mapping is None:
        return None
    clause, statement = source.select(mapping)
    columns = mapping.columns()
    statement = statement.where(clause.c[columns["order_id"]].in_(bindparam(_IDS, expanding=True)))
    if order_by in columns:
        statement = statement.order_by(clause.c[columns[order_by]])
    return statement


def _by_order(
    source: SqlSource, statement: Select[Any] | None, ids: Sequence[Any]
) -> dict[str, list[dict[str, Any]]]:
    if statement is None:
        return {}
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in source.rows(statement, {_IDS: list(ids)}):
        grouped[str(row["order_id"])].append(dict(row))
    return dict(grouped)


def _addresses_statement(source: SqlSource, mapping: AddressesTable | None) -> Select[Any] | None:
    if mapping is None:
        return None
    clause, statement = source.select(mapping)
    return statement.where(clause.c[mapping.id].in_(bindparam(_IDS, expanding=True)))


def _addresses(
    source: SqlSource, statement: Select[Any] | None, ids: Sequence[Any]
) -> dict[str, str]:
    if statement is None or not ids:
        return {}
    rows = source.rows(statement, {_IDS: list(ids)})
    return {str(row["id"]): format_address(row) for row in rows}
