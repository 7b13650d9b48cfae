"""The database handle: SQLite pragmas, UTC timestamps, clear errors naming the URL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from hatchway.errors import DatabaseError
from hatchway.store import Database, mask_url
from hatchway.store.models import InboundMessage, InboundSource, utcnow


def test_sqlite_runs_in_wal_with_busy_timeout_and_foreign_keys(sqlite_url: str) -> None:
    database = Database(sqlite_url, busy_timeout_ms=1234)
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 1234
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    database.dispose()


def test_timestamps_come_back_aware_utc(database: Database) -> None:
    local = datetime(2026, 11, 22, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with database.session() as session:
        message = InboundMessage(
            source=InboundSource.FILE, raw=b"x", content_sha256="0" * 64, received_at=local
        )
        session.add(message)
    with database.session() as session:
        stored = session.get(InboundMessage, message.id)
        assert stored is not None
        assert stored.received_at.utcoffset() == timedelta(0)
        assert stored.received_at == local


def test_naive_timestamps_are_refused(database: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"), database.session() as session:
        session.add(
            InboundMessage(
                source=InboundSource.FILE,
                raw=b"x",
                content_sha256="0" * 64,
                received_at=utcnow().replace(tzinfo=None),
            )
        )
        session.flush()


def test_mask_url_hides_the_password() -> None:
    masked = mask_url("postgresql+psycopg://app:s3cret@db.internal:5432/hatchway")
    assert "s3cret" not in masked
    assert "db.internal:5432/hatchway" in masked


def test_unreachable_postgres_names_the_url_without_password() -> None:
    database = Database("postgresql+psycopg://app:s3cret@127.0.0.1:1/hatchway")
    with pytest.raises(DatabaseError) as raised:
        database.check()
    message = str(raised.value)
    assert "127.0.0.1:1/hatchway" in message
    assert "s3cret" not in message
    assert "PostgreSQL is running" in raised.value.fix
    database.dispose()


def test_sqlite_in_a_missing_unwritable_place_names_the_fix(tmp_path: object) -> None:
    database = Database("sqlite:////proc/no-such-dir/hatchway.db")
    with pytest.raises(DatabaseError, match="writable"):
        database.check()
    database.dispose()


def test_garbage_url_is_a_database_error() -> None:
    with pytest.raises(DatabaseError, match="cannot be parsed"):
        Database("not a url")


@pytest.mark.parametrize(
    ("url", "missing"),
    [
        ("postgresql+asyncpg://app:s3cret@127.0.0.1/hatchway", "asyncpg"),
        ("postgresql+nosuchdriver://app:s3cret@127.0.0.1/hatchway", "nosuchdriver"),
    ],
)
def test_a_driver_that_is_not_installed_is_a_database_error(url: str, missing: str) -> None:
    with pytest.raises(DatabaseError) as raised:
        Database(url)
    message = str(raised.value)
    assert missing in message and "s3cret" not in message
    assert "hatchway[postgres]" in raised.value.fix
