"""The SQL CRM adapter beyond the contract: mappings of foreign schemas, refusals, errors."""

from __future__ import annotations

import sqlite3
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import TypeAdapter
from sqlalchemy import event

from hatchway.connectors.crm import (
    CrmSettings,
    HttpCrmSettings,
    SqlCrm,
    SqlCrmSettings,
    connect_crm,
)
from hatchway.errors import ConfigError, ProtocolError, TransientError
from tests.connectors.demo_shop import load_sqlite_shop

ERP_SCHEMA = """
CREATE TABLE kunden (kdnr TEXT PRIMARY KEY, mail TEXT NOT NULL, anzeigename TEXT NOT NULL);
CREATE TABLE auftraege (
    auftrag TEXT PRIMARY KEY, kdnr TEXT NOT NULL, zustand TEXT NOT NULL,
    angelegt TIMESTAMP, summe NUMERIC NOT NULL, versand DATE
);
CREATE TABLE protokoll (kdnr TEXT, art TEXT, notiz TEXT, zeit TEXT);
INSERT INTO kunden VALUES ('K-7', 'Ida@Shop.example', 'Ida Berg');
INSERT INTO auftraege VALUES ('A-1', 'K-7', 'shipped', '2026-11-01 09:00:00', 12.5, '2026-11-02');
INSERT INTO auftraege VALUES ('A-2', 'K-7', 'paid', '2026-11-20 09:00:00', 99.9, NULL);
"""

ERP_TOML = """
[crm]
kind = "sql"
url = "{url}"
money = "units"
currency = "SEK"

[crm.tables]
order_lines = false
addresses = false
invoices = false
returns = false
refunds = false

[crm.tables.customers]
table = "kunden"
key_type = "text"
id = "kdnr"
email = "mail"
name = "anzeigename"
tier = ""
lifetime_value = ""
open_disputes = ""
language = ""
phone = ""

[crm.tables.orders]
table = "auftraege"
id = "auftrag"
customer_id = "kdnr"
status = "zustand"
placed_at = "angelegt"
total = "summe"
shipped_at = "versand"
subtotal = ""
shipping = ""
currency = ""
carrier = ""
tracking_number = ""
delivered_at = ""
shipping_address_id = ""

[crm.tables.activities]
table = "protokoll"
customer_id = "kdnr"
kind = "art"
text = "notiz"
occurred_at = "zeit"
"""


@pytest.fixture
def erp_url(tmp_path: Path) -> str:
    path = tmp_path / "erp.db"
    connection = sqlite3.connect(path)
    try:
        connection.executescript(ERP_SCHEMA)
    finally:
        connection.close()
    return f"sqlite:///{path}"


def _settings(toml: str) -> CrmSettings:
    adapter: TypeAdapter[CrmSettings] = TypeAdapter(CrmSettings)
    return adapter.validate_python(tomllib.loads(toml)["crm"])


def test_a_foreign_schema_is_read_through_the_mapping(erp_url: str) -> None:
    settings = _settings(ERP_TOML.format(url=erp_url))
    assert isinstance(settings, SqlCrmSettings)
    crm = connect_crm(settings)
    try:
        ida = crm.customer_by_email("ida@shop.example")
        assert ida is not None and (ida.id, ida.name, ida.tier) == ("K-7", "Ida Berg", None)
        orders = crm.orders_of(ida)
        assert [(o.id, o.total, o.currency) for o in orders] == [
            ("A-2", Decimal("99.90"), "SEK"),
            ("A-1", Decimal("12.50"), "SEK"),
        ]
        assert orders[1].lines == () and orders[1].shipped_at is not None
        crm.log_activity(ida, "email_reply", "hej")
    finally:
        crm.close()
    connection = sqlite3.connect(erp_url.removeprefix("sqlite:///"))
    try:
        assert connection.execute("SELECT kdnr, art, notiz FROM protokoll").fetchall() == [
            ("K-7", "email_reply", "hej")
        ]
    finally:
        connection.close()


def test_log_activity_without_an_activities_table_is_refused(tmp_path: Path) -> None:
    url = load_sqlite_shop(tmp_path / "shop.db", activities=False)
    crm = SqlCrm.from_settings(SqlCrmSettings(url=url))
    try:
        customer = crm.customer_by_email("emma.hughes@mailbox.example")
        assert customer is not None
        with pytest.raises(ConfigError, match="no activities table is configured") as caught:
            crm.log_activity(customer, "email_reply", "x")
        assert caught.value.key == "crm.tables.activities"
    finally:
        crm.close()


def test_a_mapping_mistake_is_a_protocol_error_naming_the_mapping(tmp_path: Path) -> None:
    url = load_sqlite_shop(tmp_path / "shop.db")
    settings = SqlCrmSettings.model_validate(
        {"url": url, "tables": {"customers": {"email": "e_mail"}}}
    )
    crm = SqlCrm.from_settings(settings)
    try:
        with pytest.raises(ProtocolError, match="check the table/column mapping"):
            crm.customer_by_email("emma.hughes@mailbox.example")
    finally:
        crm.close()


def test_an_unreachable_database_is_transient(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'shop.db'}"
    crm = SqlCrm.from_settings(SqlCrmSettings(url=url))
    try:
        with pytest.raises(TransientError, match="unable to open database file"):
            crm.order_by_id("NW-100201")
    finally:
        crm.close()


def test_an_unusable_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="crm.url"):
        SqlCrm.from_settings(SqlCrmSettings(url="nosuchdialect://x"))


def test_settings_union_picks_the_adapter_by_kind() -> None:
    http = _settings('[crm]\nkind = "http"\nbase_url = "https://crm.example/api"\n')
    assert isinstance(http, HttpCrmSettings) and http.base_url == "https://crm.example/api/"
    demo = _settings('[crm]\nkind = "sql"\nurl = "sqlite:///var/demo-shop.db"\n')
    assert isinstance(demo, SqlCrmSettings)
    assert demo.tables.orders.total == "total_cents" and demo.tables.activities is None
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        _settings('[crm]\nkind = "sql"\nurl = "sqlite://"\n[crm.tables.customers]\nmail = "x"\n')


def test_an_order_and_its_related_rows_are_read_over_one_connection(tmp_path: Path) -> None:
    """Six queries (order, lines, invoices, returns, refunds, addresses), one pool checkout
    (a checkout after a pause also pings the database)."""
    crm = SqlCrm.from_settings(SqlCrmSettings(url=load_sqlite_shop(tmp_path / "shop.db")))
    engine = crm._source.engine
    checkouts: list[object] = []
    statements: list[str] = []
    event.listen(engine, "checkout", lambda *args: checkouts.append(args))
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        order = crm.order_by_id("NW-100231")
        assert order is not None and order.lines
        assert len(checkouts) == 1
        assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) >= 5
        crm.order_by_id("NW-100231")
        assert len(checkouts) == 2
    finally:
        crm.close()
