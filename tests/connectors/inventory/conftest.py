"""The inventory contract suite's subjects: every adapter over the demo shop's catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hatchway.connectors.inventory import (
    HttpInventory,
    HttpInventorySettings,
    InMemoryInventory,
    Inventory,
    SqlInventory,
    SqlInventorySettings,
)
from tests.connectors.demo_shop import fake_inventory, load_postgres_shop, load_sqlite_shop
from tests.fixtures.crm_http import CrmHttpServer


@pytest.fixture(scope="session")
def demo_inventory_records(tmp_path_factory: pytest.TempPathFactory) -> InMemoryInventory:
    """The demo shop's products and stock, read once per session."""
    return fake_inventory(load_sqlite_shop(tmp_path_factory.mktemp("inv-fake") / "shop.db"))


def _http(server: CrmHttpServer) -> HttpInventory:
    settings = HttpInventorySettings(
        base_url=server.base_url, auth_value=server.auth_value, retry_initial_wait_seconds=0
    )
    return HttpInventory(settings)


@pytest.fixture(
    params=[
        "fake",
        "sql-sqlite",
        pytest.param("sql-postgresql", marks=pytest.mark.postgres),
        "http",
    ]
)
def inventory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Inventory]:
    """Each inventory adapter in turn, over the demo shop."""
    subject: Inventory
    if request.param == "fake":
        records: InMemoryInventory = request.getfixturevalue("demo_inventory_records")
        subject = InMemoryInventory(records.products.values(), records.stock.values())
    elif request.param == "sql-sqlite":
        url = load_sqlite_shop(tmp_path / "shop.db")
        subject = SqlInventory.from_settings(SqlInventorySettings(url=url))
    elif request.param == "sql-postgresql":
        url = load_postgres_shop(request.getfixturevalue("postgres_url"))
        subject = SqlInventory.from_settings(SqlInventorySettings(url=url))
    else:
        subject = _http(request.getfixturevalue("crm_http"))
    yield subject
    subject.close()
