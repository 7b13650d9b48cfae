"""The demo shop as a database for connector tests: SQLite files, PostgreSQL schemas, fakes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hatchway.connectors.crm import Customer, InMemoryCrm, SqlCrm, SqlCrmSettings
from hatchway.connectors.inventory import InMemoryInventory, SqlInventory, SqlInventorySettings

__all__ = [
    "ACTIVITIES_DDL",
    "SHOP_SQL",
    "fake_crm",
    "fake_inventory",
    "load_postgres_shop",
    "load_sqlite_shop",
]

SHOP_SQL = Path(__file__).resolve().parents[2] / "examples" / "demo" / "shop.sql"
# The demo shop has no activities table: tests that log activities add this one.
ACTIVITIES_DDL = (
    "CREATE TABLE hatchway_activities (customer_id INTEGER NOT NULL, kind TEXT NOT NULL, "
    "text TEXT NOT NULL, occurred_at TEXT NOT NULL)"
)


def load_sqlite_shop(path: Path, *, activities: bool = True) -> str:
    """Load shop.sql (plus the activities table) into a SQLite file; its SQLAlchemy URL."""
    script = SHOP_SQL.read_text(encoding="utf-8")
    if activities:
        script += f";\n{ACTIVITIES_DDL};\n"
    connection = sqlite3.connect(path)
    try:
        connection.executescript(script)
    finally:
        connection.close()
    return f"sqlite:///{path}"


def load_postgres_shop(url: str, *, activities: bool = True) -> str:
    """Load shop.sql into the (fresh) schema ``url`` points at; the URL again."""
    import psycopg

    script = SHOP_SQL.read_text(encoding="utf-8")
    if activities:
        script += f";\n{ACTIVITIES_DDL};\n"
    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(script.encode())
    return url


def _emails(sqlite_url: str) -> list[str]:
    connection = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    try:
        return [row[0] for row in connection.execute("SELECT email FROM customers ORDER BY id")]
    finally:
        connection.close()


def fake_crm(sqlite_url: str) -> InMemoryCrm:
    """An in-memory CRM holding every customer and order of the demo shop."""
    source = SqlCrm.from_settings(SqlCrmSettings(url=sqlite_url))
    try:
        customers = [source.customer_by_email(email) for email in _emails(sqlite_url)]
        known = [customer for customer in customers if isinstance(customer, Customer)]
        orders = [order for c in known for order in source.orders_of(c, limit=10_000)]
    finally:
        source.close()
    return InMemoryCrm(customers=known, orders=orders)


def fake_inventory(sqlite_url: str) -> InMemoryInventory:
    """An in-memory inventory holding every product and stock level of the demo shop."""
    connection = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    try:
        skus = [row[0] for row in connection.execute("SELECT sku FROM products ORDER BY sku")]
    finally:
        connection.close()
    source = SqlInventory.from_settings(SqlInventorySettings(url=sqlite_url))
    try:
        products = [p for sku in skus if (p := source.product_by_sku(sku)) is not None]
        stock = [s for sku in skus if (s := source.stock_by_sku(sku)) is not None]
    finally:
        source.close()
    return InMemoryInventory(products=products, stock=stock)
