"""The SQL adapters' statements are built once and run with bound values: one instance must
answer one call after another with that call's values (no stale binds, limits honoured, LIKE
wildcards literal), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text

import hatchway.pool_ping as pool_ping
from hatchway.connectors.crm import Customer, SqlCrm, SqlCrmSettings
from hatchway.connectors.inventory import SqlInventory, SqlInventorySettings
from hatchway.errors import TransientError
from tests.connectors.demo_shop import load_postgres_shop, load_sqlite_shop

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty SQLite file or PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shop.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(params=DATABASES)
def shop_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The demo shop in SQLite or PostgreSQL."""
    if request.param == "sqlite":
        return load_sqlite_shop(tmp_path / "shop.db")
    return load_postgres_shop(request.getfixturevalue("postgres_url"))


@pytest.fixture
def crm(shop_url: str) -> Iterator[SqlCrm]:
    adapter = SqlCrm.from_settings(SqlCrmSettings(url=shop_url))
    yield adapter
    adapter.close()


@pytest.fixture
def inventory(shop_url: str) -> Iterator[SqlInventory]:
    adapter = SqlInventory.from_settings(SqlInventorySettings(url=shop_url))
    yield adapter
    adapter.close()


def _run(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def _selects(adapter: SqlCrm | SqlInventory) -> list[str]:
    """The SELECTs ``adapter`` runs from now on (appended as they run)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        if args[2].lstrip().upper().startswith("SELECT"):
            seen.append(args[2])

    event.listen(adapter._source.engine, "before_cursor_execute", record)
    return seen


def test_one_crm_answers_each_email_with_its_customer(crm: SqlCrm) -> None:
    emails = ["emma.hughes@mailbox.example", " Liam.OConnor@FASTMAIL.example ", "nobody@x.example"]
    found = [crm.customer_by_email(email) for email in emails + emails[:1]]
    assert [c.id if c else None for c in found] == ["1", "2", None, "1"]
    assert found[1] is not None and found[1].email == "liam.oconnor@fastmail.example"


def test_one_crm_answers_each_order_id_with_that_order_and_its_rows(crm: SqlCrm) -> None:
    first, second = crm.order_by_id("NW-100250"), crm.order_by_id(" NW-100214 ")
    assert first is not None and second is not None
    assert (first.id, first.customer_id, second.id, second.customer_id) == (
        "NW-100250",
        "1",
        "NW-100214",
        "2",
    )
    assert [line.sku for line in first.lines] == ["NW-STOVE-GAS", "NW-COOK-TI", "NW-GAS-230"]
    assert sorted(line.sku for line in second.lines) == ["NW-COMPASS", "NW-GPS-X2"]
    assert crm.order_by_id("NW-100999") is None
    again = crm.order_by_id("NW-100250")
    assert again is not None and again.lines == first.lines


def test_orders_of_honours_each_calls_limit_and_customer(crm: SqlCrm) -> None:
    emma, liam = (
        crm.customer_by_email("emma.hughes@mailbox.example"),
        crm.customer_by_email("liam.oconnor@fastmail.example"),
    )
    assert emma is not None and liam is not None
    newest = ["NW-100261", "NW-100250", "NW-100231", "NW-100201"]
    assert [o.id for o in crm.orders_of(emma, limit=1)] == newest[:1]
    assert [o.id for o in crm.orders_of(emma, limit=3)] == newest[:3]
    assert [o.id for o in crm.orders_of(liam)] == ["NW-100256", "NW-100236", "NW-100214"]
    assert [o.id for o in crm.orders_of(emma, limit=10)] == newest
    assert [o.id for o in crm.orders_of(emma, limit=2)] == newest[:2]
    orders = crm.orders_of(emma, limit=2)
    assert [line.sku for line in orders[0].lines] == ["NW-BAG-S10"]  # not the other order's


def test_a_customer_id_that_is_no_integer_reads_nothing(crm: SqlCrm) -> None:
    selects = _selects(crm)
    ghost = Customer(id="C-1", email="ghost@x.example", name="Ghost")
    assert crm.orders_of(ghost) == []
    assert selects == []


INTEGER_KEYS = (
    "CREATE TABLE kunden (nr INTEGER PRIMARY KEY, mail TEXT NOT NULL, anzeige TEXT NOT NULL)",
    "CREATE TABLE auftrag (nr INTEGER PRIMARY KEY, kunde INTEGER NOT NULL, "
    "zustand TEXT NOT NULL, summe INTEGER NOT NULL)",
    "CREATE TABLE posten (auftrag INTEGER NOT NULL, pos INTEGER NOT NULL, sku TEXT NOT NULL, "
    "menge INTEGER NOT NULL)",
    "INSERT INTO kunden VALUES (7, 'ida@shop.example', 'Ida Berg')",
    "INSERT INTO auftrag VALUES (41, 7, 'paid', 1250), (42, 7, 'shipped', 990)",
    "INSERT INTO posten VALUES (41, 1, 'A-1', 2), (42, 2, 'B-2', 1), (42, 1, 'C-3', 5)",
)

INTEGER_MAPPING: dict[str, Any] = {
    "order_lines": {
        "table": "posten",
        "order_id": "auftrag",
        "line": "pos",
        "sku": "sku",
        "quantity": "menge",
        "unit_price": "",
    },
    "addresses": False,
    "invoices": False,
    "returns": False,
    "refunds": False,
    "customers": {
        "table": "kunden",
        "id": "nr",
        "email": "mail",
        "name": "anzeige",
        **dict.fromkeys(["tier", "lifetime_value", "open_disputes", "language", "phone"], ""),
    },
    "orders": {
        "table": "auftrag",
        "key_type": "integer",
        "id": "nr",
        "customer_id": "kunde",
        "status": "zustand",
        "total": "summe",
        **dict.fromkeys(
            [
                "placed_at",
                "subtotal",
                "shipping",
                "currency",
                "carrier",
                "tracking_number",
                "shipped_at",
                "delivered_at",
                "shipping_address_id",
            ],
            "",
        ),
    },
}


def test_integer_order_ids_are_bound_as_integers(empty_url: str) -> None:
    _run(empty_url, *INTEGER_KEYS)
    settings = SqlCrmSettings.model_validate({"url": empty_url, "tables": INTEGER_MAPPING})
    crm = SqlCrm.from_settings(settings)
    try:
        selects = _selects(crm)
        for wanted in ("4x2", "NW-42", "", "42.0"):
            assert crm.order_by_id(wanted) is None
        assert selects == []  # not an integer: nothing to ask the database
        second, first = crm.order_by_id(" 42 "), crm.order_by_id("41")
        assert second is not None and first is not None
        assert (second.id, second.total, [line.sku for line in second.lines]) == (
            "42",
            Decimal("9.90"),
            ["C-3", "B-2"],
        )
        assert (first.id, [line.sku for line in first.lines]) == ("41", ["A-1"])
        ida = crm.customer_by_email("IDA@shop.example")
        assert ida is not None and ida.id == "7"
        # Without placed_at, newest first is by id.
        assert [o.id for o in crm.orders_of(ida, limit=1)] == ["42"]
        assert [o.id for o in crm.orders_of(ida, limit=5)] == ["42", "41"]
    finally:
        crm.close()


@pytest.mark.parametrize(
    ("sku", "name", "on_hand"),
    [("NW-TENT-2P", "Trailhead 2-Person Tent", 14), ("NW-HAM-SGL", "Single Hammock", 2)],
)
def test_one_inventory_answers_each_sku_with_its_rows(
    inventory: SqlInventory, sku: str, name: str, on_hand: int
) -> None:
    for other in ("NW-BAG-M5", sku, "NW-NOPE", f" {sku} "):
        product, stock = inventory.product_by_sku(other), inventory.stock_by_sku(other)
        if other.strip() == sku:
            assert product is not None and stock is not None
            assert (product.sku, product.name, stock.sku, stock.on_hand) == (
                sku,
                name,
                sku,
                on_hand,
            )
        elif other == "NW-NOPE":
            assert product is None and stock is None
        else:
            assert product is not None and product.sku == other


def test_find_products_binds_each_calls_name_and_limit(inventory: SqlInventory) -> None:
    assert [p.sku for p in inventory.find_products("tent", limit=2)] == [
        "NW-TENT-4P",
        "NW-TENT-UL1",
    ]
    assert [p.sku for p in inventory.find_products("RIDGEWALKER", limit=3)] == [
        "NW-BOOT-RW-38",
        "NW-BOOT-RW-40",
        "NW-BOOT-RW-42",
    ]
    assert [p.sku for p in inventory.find_products("tent")] == [
        "NW-TENT-4P",
        "NW-TENT-UL1",
        "NW-TENT-2P",
    ]
    assert [p.sku for p in inventory.find_products("  hammock ", limit=1)] == ["NW-HAM-SGL"]


WILDCARD_PRODUCTS = (
    "INSERT INTO products (sku, name, category, price_cents, currency, active) VALUES "
    "('X-PCT', '50% Off Voucher', 'misc', 100, 'EUR', 1), "
    "('X-5000', '5000 Lumen Lamp', 'misc', 100, 'EUR', 1), "
    "('X-UND', 'Tent_Pole Spare', 'misc', 100, 'EUR', 1), "
    "('X-UNX', 'TentXPole Spare', 'misc', 100, 'EUR', 1), "
    "('X-SLASH', 'A/B Switch', 'misc', 100, 'EUR', 1), "
    "('X-AB', 'AB Switch', 'misc', 100, 'EUR', 1)"
)


@pytest.mark.parametrize(
    ("name", "skus"),
    [
        ("50%", ["X-PCT"]),  # not "5000 Lumen": % is no wildcard
        ("50% OFF", ["X-PCT"]),
        ("t_p", ["X-UND"]),  # not "TentXPole": _ is no wildcard
        ("a/b", ["X-SLASH"]),  # the escape character itself is literal too
        ("/", ["X-SLASH"]),
        ("%", ["X-PCT"]),
        ("_", ["X-UND"]),
        ("switch", ["X-AB", "X-SLASH"]),
    ],
)
def test_find_products_takes_like_wildcards_literally(
    shop_url: str, name: str, skus: list[str]
) -> None:
    _run(shop_url, WILDCARD_PRODUCTS)
    inventory = SqlInventory.from_settings(SqlInventorySettings(url=shop_url))
    try:
        assert sorted(p.sku for p in inventory.find_products(name)) == skus
        assert [p.sku for p in inventory.find_products("lumen")] == ["X-5000"]  # no stale bind
    finally:
        inventory.close()


def test_statements_are_built_once_not_per_call(
    crm: SqlCrm, inventory: SqlInventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object) -> None:
        raise AssertionError("a statement was built per call")

    for adapter in (crm, inventory):
        monkeypatch.setattr(adapter._source, "select", refuse)
        monkeypatch.setattr(adapter._source, "table", refuse)
    customer = crm.customer_by_email("emma.hughes@mailbox.example")
    assert customer is not None and len(crm.orders_of(customer)) == 4
    assert crm.order_by_id("NW-100231") is not None
    assert inventory.product_by_sku("NW-TENT-2P") is not None
    assert inventory.stock_by_sku("NW-TENT-2P") is not None
    assert inventory.find_products("tent")


def test_an_error_names_the_url_without_its_password() -> None:
    url = "postgresql+psycopg://shop:s3cret@127.0.0.1:1/shop?connect_timeout=2"
    crm = SqlCrm.from_settings(SqlCrmSettings(url=url))  # no connection yet
    try:
        with pytest.raises(TransientError) as caught:
            crm.customer_by_email("emma.hughes@mailbox.example")
    finally:
        crm.close()
    assert "shop:***@127.0.0.1:1/shop" in str(caught.value)
    assert "s3cret" not in str(caught.value)


@pytest.mark.postgres
def test_an_idle_shop_connection_the_server_dropped_is_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shop engine pings a connection that sat idle (as the main database does), so a
    shop database restart between emails costs no failed lookup."""
    monkeypatch.setattr(pool_ping, "PING_AFTER_IDLE_SECONDS", 0.0)
    crm = SqlCrm.from_settings(SqlCrmSettings(url=load_postgres_shop(postgres_url)))
    try:
        with crm._source.engine.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
        assert crm.order_by_id("NW-100231") is not None  # pinged, found gone, replaced
    finally:
        crm.close()
