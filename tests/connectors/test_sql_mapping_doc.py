"""docs/connectors.md's ERP example, as written: its tables, its hatchway.toml mapping, real reads.

The SQL and TOML blocks marked ``erp-example`` are read from the document itself, so the
example cannot drift from what the SQL adapters accept. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from hatchway.config import Settings, load_settings
from hatchway.connectors.crm import CrmConnector, SqlCrmSettings, connect_crm
from hatchway.connectors.inventory import Inventory, SqlInventorySettings, connect_inventory

DOC = Path(__file__).resolve().parents[2] / "docs" / "connectors.md"
MARK = "erp-example"

ROWS = """
INSERT INTO business_partner VALUES
    ('BP-1001', 'Ida.Berg@Firma.example', 'Ida Berg', 'GOLD', 1520.40, 1, 'de', '+49 30 123456'),
    ('BP-1002', 'ole@other.example', 'Ole Hansen', 'STD', 80.00, 0, 'da', NULL);
INSERT INTO sales_doc VALUES
    ('SO-5001', 'BP-1001', 'delivered', '2026-10-01 09:30:00', 240.00, 0.00, 240.00, 'EUR',
     'DHL', '00340434279438099999', '2026-10-02', '2026-10-05'),
    ('SO-5002', 'BP-1001', 'paid', '2026-11-20 14:00:00', 19.90, 4.95, 24.85, NULL,
     NULL, NULL, NULL, NULL),
    ('SO-5003', 'BP-1002', 'paid', '2026-11-21 08:00:00', 80.00, 0.00, 80.00, 'EUR',
     NULL, NULL, NULL, NULL);
INSERT INTO sales_doc_item VALUES
    ('SO-5001', 2, 'TENT-2P', 1, 199.00),
    ('SO-5001', 1, 'PAD-AIR', 1, 41.00),
    ('SO-5002', 1, 'MUG-TI', 1, 19.90);
INSERT INTO billing_doc VALUES ('RE-9001', 'SO-5001');
INSERT INTO item_master VALUES
    ('TENT-2P', 'Trailhead Tent 2P', 'tents', 199.00, 'EUR', 1),
    ('STOVE-1', 'Camp Stove', 'stoves', 49.00, 'EUR', 0);
INSERT INTO stock_overview VALUES ('TENT-2P', 5, 2, NULL), ('STOVE-1', 0, 0, '2026-12-04');
"""


def _block(language: str) -> str:
    """The fenced ``language`` block of docs/connectors.md whose first line names MARK."""
    blocks = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    marked: list[str] = [block for block in blocks if MARK in block.splitlines()[0]]
    assert len(marked) == 1, f"expected one {language} block marked {MARK} in {DOC}"
    return marked[0]


def _statements(script: str) -> list[str]:
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def _load(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in _statements(_block("sql")) + _statements(ROWS):
                connection.execute(text(statement))
    finally:
        engine.dispose()


def _settings(tmp_path: Path, url: str, schema: str) -> Settings:
    toml = _block("toml")
    toml = re.sub(r'(?m)^url = "[^"]*"', f'url = "{url}"', toml)
    toml = re.sub(r'(?m)^db_schema = "erp"', f'db_schema = "{schema}"', toml)
    path = tmp_path / "hatchway.toml"
    path.write_text(toml, encoding="utf-8")
    return load_settings(path, dev_mode=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def erp_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The ERP tables with a few rows, and the document's mapping pointing at them."""
    if request.param == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'erp.db'}", "main"
    else:
        url = request.getfixturevalue("postgres_url")
        found = re.search(r"search_path%3D(\w+)", url)
        assert found is not None
        schema = found.group(1)
    _load(url)
    return _settings(tmp_path, url, schema)


@pytest.fixture
def crm(erp_settings: Settings) -> Iterator[CrmConnector]:
    assert isinstance(erp_settings.crm, SqlCrmSettings)
    connector = connect_crm(erp_settings.crm)
    yield connector
    connector.close()


@pytest.fixture
def inventory(erp_settings: Settings) -> Iterator[Inventory]:
    assert isinstance(erp_settings.inventory, SqlInventorySettings)
    connector = connect_inventory(erp_settings.inventory)
    yield connector
    connector.close()


def test_the_erp_customer_reads_through_the_mapping(crm: CrmConnector) -> None:
    ida = crm.customer_by_email("ida.berg@firma.example")
    assert ida is not None
    assert (ida.id, ida.name, ida.tier, ida.language) == ("BP-1001", "Ida Berg", "GOLD", "de")
    assert (ida.lifetime_value, ida.currency, ida.open_disputes) == (Decimal("1520.40"), "EUR", 1)
    assert crm.customer_by_email("nobody@firma.example") is None


def test_the_erp_orders_read_through_the_mapping(crm: CrmConnector) -> None:
    ida = crm.customer_by_email("IDA.BERG@firma.example")
    assert ida is not None
    recent = crm.orders_of(ida)
    assert [(o.id, o.total, o.shipping, o.currency) for o in recent] == [
        ("SO-5002", Decimal("24.85"), Decimal("4.95"), "EUR"),  # no cur: the [crm] currency
        ("SO-5001", Decimal("240.00"), Decimal("0.00"), "EUR"),
    ]
    order = crm.order_by_id("SO-5001")
    assert order is not None and order.customer_id == "BP-1001"
    assert (order.status, order.placed_at) == ("delivered", datetime(2026, 10, 1, 9, 30))
    assert (order.carrier, order.tracking_number) == ("DHL", "00340434279438099999")
    assert (order.shipped_at, order.delivered_at) == (date(2026, 10, 2), date(2026, 10, 5))
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("PAD-AIR", 1, Decimal("41.00")),
        ("TENT-2P", 1, Decimal("199.00")),
    ]
    assert order.invoice_ids == ("RE-9001",)
    assert (order.shipping_address, order.returns, order.refunds) == (None, (), ())
    other = crm.order_by_id("SO-5003")
    assert other is not None and other.customer_id == "BP-1002"
    assert crm.order_by_id("SO-9999") is None


def test_activities_go_to_the_erp_contact_log(crm: CrmConnector, erp_settings: Settings) -> None:
    ida = crm.customer_by_email("ida.berg@firma.example")
    assert ida is not None and isinstance(erp_settings.crm, SqlCrmSettings)
    crm.log_activity(ida, "email_reply", "Answered: where is SO-5002")
    engine = create_engine(erp_settings.crm.url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT bp_no, contact_type, memo FROM crm_contact_log")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("BP-1001", "email_reply", "Answered: where is SO-5002")
    ]


def test_the_erp_items_and_stock_read_through_the_mapping(inventory: Inventory) -> None:
    tent = inventory.product_by_sku("TENT-2P")
    assert tent is not None
    assert (tent.name, tent.category, tent.price, tent.currency) == (
        "Trailhead Tent 2P",
        "tents",
        Decimal("199.00"),
        "EUR",
    )
    assert tent.active
    stove = inventory.product_by_sku("STOVE-1")
    assert stove is not None and not stove.active  # saleable = 0: discontinued
    level = inventory.stock_by_sku("TENT-2P")
    assert level is not None
    assert (level.on_hand, level.reserved, level.available, level.restock_date) == (5, 2, 3, None)
    empty = inventory.stock_by_sku("STOVE-1")
    assert empty is not None and (empty.available, empty.restock_date) == (0, date(2026, 12, 4))
    assert [p.sku for p in inventory.find_products("tent")] == ["TENT-2P"]
    assert inventory.product_by_sku("NOPE") is None


def test_the_sql_block_is_the_whole_schema_the_mapping_names(tmp_path: Path) -> None:
    """Every table the TOML names is created by the SQL block (and nothing is left unused)."""
    created = set(re.findall(r"CREATE TABLE (\w+)", _block("sql")))
    mapped = set(re.findall(r'(?m)^table = "(\w+)"', _block("toml")))
    assert created == mapped
    connection = sqlite3.connect(tmp_path / "check.db")
    try:
        connection.executescript(_block("sql"))  # plain SQL: SQLite reads it as written
    finally:
        connection.close()
