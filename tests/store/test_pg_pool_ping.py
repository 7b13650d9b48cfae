"""PostgreSQL pool: a connection idle past PING_AFTER_IDLE_SECONDS is pinged, and replaced
when the server dropped it; one used moments ago goes out without a round trip."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

import hatchway.pool_ping as pool_ping
from hatchway.store import Database

pytestmark = pytest.mark.postgres


def _backend_pid(database: Database) -> int:
    with database.session() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(url: str, pid: int) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool_ping, "PING_AFTER_IDLE_SECONDS", 0.0)
    database = Database(postgres_url, pool_size=1)
    try:
        first = _backend_pid(database)
        _terminate(postgres_url, first)
        assert _backend_pid(database) != first  # pinged, found gone, replaced
    finally:
        database.dispose()


def test_a_connection_used_moments_ago_is_not_pinged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool_ping, "PING_AFTER_IDLE_SECONDS", 3600.0)
    database = Database(postgres_url, pool_size=1)
    try:
        first = _backend_pid(database)
        # Not pinged, so a drop within the window surfaces on use (the trade made): the
        # transaction fails, as any statement on a lost connection would.
        _terminate(postgres_url, first)
        with pytest.raises(OperationalError):
            _backend_pid(database)
        assert _backend_pid(database) != first  # the pool replaced it after the error
    finally:
        database.dispose()
