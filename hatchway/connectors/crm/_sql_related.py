"""The rows that hang off a page of orders (lines, invoices, returns, refunds, addresses).

One ``IN`` query per related table for the whole page, so reading ten orders costs at most
six queries, not sixty.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hatchway.connectors._sql import SqlSource, TableMap
from hatchway.connectors._values import MoneyUnit, amount_from_storage
from hatchway.connectors.crm.sql_settings import AddressesTable, CrmTables

__all__ = ["RelatedRows", "format_address"]

Row = Mapping[str, Any]


def format_address(row: Row) -> str:
    """One display line: ``14 Rowan Terrace, EH9 1QB Edinburgh, GB``."""
    place = " ".join(str(row[k]) for k in ("postcode", "city") if row.get(k))
    parts = [row.get("line1"), row.get("line2"), place, row.get("country")]
    return ", ".join(str(part) for part in parts if part)


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
        cls, source: SqlSource, tables: CrmTables, orders: Sequence[Row], money: MoneyUnit
    ) -> RelatedRows:
        """Fetch everything related to ``orders`` (rows of the orders select)."""
        related = cls()
        ids = [row["id"] for row in orders]
        if not ids:
            return related
        related.lines = _by_order(source, tables.order_lines, ids, "line")
        for lines in related.lines.values():
            for line in lines:
                line["unit_price"] = amount_from_storage(line.get("unit_price"), money)
        invoices = _by_order(source, tables.invoices, ids, "id")
        related.invoices = {key: [str(r["id"]) for r in rows] for key, rows in invoices.items()}
        related.returns = _by_order(source, tables.returns, ids, "created_at")
        related.refunds = _by_order(source, tables.refunds, ids, "created_at")
        for refunds in related.refunds.values():
            for refund in refunds:
                refund["amount"] = amount_from_storage(refund["amount"], money)
        address_ids = {row.get("shipping_address_id") for row in orders} - {None}
        related.addresses = _addresses(source, tables.addresses, sorted(address_ids, key=str))
        return related


def _by_order(
    source: SqlSource, mapping: TableMap | None, ids: Sequence[Any], order_by: str
) -> dict[str, list[dict[str, Any]]]:
    if mapping is None:
        return {}
    clause, statement = source.select(mapping)
    columns = mapping.columns()
    statement = statement.where(clause.c[columns["order_id"]].in_(ids))
    if order_by in columns:
        statement = statement.order_by(clause.c[columns[order_by]])
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in source.rows(statement):
        grouped[str(row["order_id"])].append(dict(row))
    return dict(grouped)


def _addresses(
    source: SqlSource, mapping: AddressesTable | None, ids: Sequence[Any]
) -> dict[str, str]:
    if mapping is None or not ids:
        return {}
    clause, statement = source.select(mapping)
    rows = source.rows(statement.where(clause.c[mapping.id].in_(ids)))
    return {str(row["id"]): format_address(row) for row in rows}
