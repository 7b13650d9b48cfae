"""The CRM contract suite's subjects: every adapter over the same demo shop data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from hatchway.connectors.crm import (
    ActivitiesTable,
    CrmConnector,
    CrmTables,
    HttpCrm,
    HttpCrmSettings,
    InMemoryCrm,
    SqlCrm,
    SqlCrmSettings,
)
from tests.connectors.demo_shop import fake_crm, load_postgres_shop, load_sqlite_shop
from tests.fixtures.crm_http import CrmHttpServer

Logged = Callable[[], list[tuple[str, str, str]]]


@dataclass
class CrmCase:
    """An adapter under test and how to read back what it logged (customer_id, kind, text)."""

    crm: CrmConnector
    logged: Logged


def _sql_case(url: str) -> CrmCase:
    tables = CrmTables(activities=ActivitiesTable())
    crm = SqlCrm.from_settings(SqlCrmSettings(url=url, tables=tables))

    def logged() -> list[tuple[str, str, str]]:
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                query = "SELECT customer_id, kind, text FROM hatchway_activities"
                rows: Any = connection.execute(text(query)).all()
        finally:
            engine.dispose()
        return [(str(row[0]), row[1], row[2]) for row in rows]

    return CrmCase(crm, logged)


@pytest.fixture(scope="session")
def demo_crm_records(tmp_path_factory: pytest.TempPathFactory) -> InMemoryCrm:
    """The demo shop's customers and orders, read once per session (records are immutable)."""
    return fake_crm(load_sqlite_shop(tmp_path_factory.mktemp("crm-fake") / "shop.db"))


def _fake_case(records: InMemoryCrm) -> CrmCase:
    fake = InMemoryCrm(customers=records.customers, orders=records.orders)
    return CrmCase(fake, lambda: [(a.customer_id, a.kind, a.text) for a in fake.activities])


def _http_case(server: CrmHttpServer) -> CrmCase:
    settings = HttpCrmSettings(
        base_url=server.base_url,
        auth_value=server.auth_value,
        timeout_seconds=5,
        retry_initial_wait_seconds=0,
    )
    logged: Logged = lambda: [  # noqa: E731
        (a["customer_id"], a["kind"], a["text"]) for a in server.activities()
    ]
    return CrmCase(HttpCrm(settings), logged)


@pytest.fixture(
    params=[
        "fake",
        "sql-sqlite",
        pytest.param("sql-postgresql", marks=pytest.mark.postgres),
        "http",
    ]
)
def crm_case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CrmCase]:
    """Each CRM adapter in turn, over the demo shop."""
    if request.param == "fake":
        case = _fake_case(request.getfixturevalue("demo_crm_records"))
    elif request.param == "sql-sqlite":
        case = _sql_case(load_sqlite_shop(tmp_path / "shop.db"))
    elif request.param == "sql-postgresql":
        case = _sql_case(load_postgres_shop(request.getfixturevalue("postgres_url")))
    else:
        case = _http_case(request.getfixturevalue("crm_http"))
    yield case
    case.crm.close()


@pytest.fixture
def crm(crm_case: CrmCase) -> CrmConnector:
    """The adapter of the current case."""
    return crm_case.crm
