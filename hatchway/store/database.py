"""The database handle: one engine and session factory, built from Settings and passed in.

SQLite runs in WAL mode with a busy timeout and foreign keys on, and every transaction
starts with ``BEGIN IMMEDIATE``: writers queue on the busy timeout instead of failing
when a read lock cannot be upgraded, which is what lets several processes share one
file safely. PostgreSQL is used as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.orm import Session, sessionmaker

from hatchway.errors import DatabaseError

__all__ = ["Database", "mask_url"]


def mask_url(url: str | URL) -> str:
    """The URL with its password replaced by ***, safe for logs and error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


class Database:
    """An engine and a session factory for one database URL."""

    def __init__(
        self,
        url: str,
        *,
        busy_timeout_ms: int = 5000,
        echo: bool = False,
        pool_size: int | None = None,
    ) -> None:
        """``pool_size``: PostgreSQL connections kept open (default SQLAlchemy's 5); a worker
        passes one per job in flight plus a margin, so its threads never wait on the pool."""
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise DatabaseError(
                "<unparseable>",
                "the URL cannot be parsed",
                "use sqlite:///file.db or postgresql+psycopg://user:password@host:5432/dbname",
            ) from None
        self.url = parsed
        self.display_url = mask_url(parsed)
        try:
            self.engine: Engine = _make_engine(
                parsed, busy_timeout_ms=busy_timeout_ms, echo=echo, pool_size=pool_size
            )
        except (ImportError, ArgumentError) as exc:  # no such dialect, or its driver is missing
            raise DatabaseError(
                self.display_url,
                f"no usable driver ({exc})",
                "use sqlite:///file.db, or postgresql+psycopg://... with the postgres extra "
                "installed (pip install 'hatchway[postgres]')",
            ) from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def check(self) -> None:
        """Connect once; raise DatabaseError naming the URL and what to do when that fails."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except (OperationalError, SADatabaseError) as exc:
            raise DatabaseError(
                self.display_url,
                f"cannot connect ({_first_line(exc)})",
                _connect_fix(self.url),
            ) from None

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _make_engine(url: URL, *, busy_timeout_ms: int, echo: bool, pool_size: int | None) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout_ms=busy_timeout_ms, echo=echo)
    sizing = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 10}
    return create_engine(url, echo=echo, pool_pre_ping=True, **sizing)


def _sqlite_engine(url: URL, *, busy_timeout_ms: int, echo: bool) -> Engine:
    if url.database and url.database != ":memory:":
        # A missing directory is made; one that cannot be is reported by check().
        with suppress(OSError):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _connect_fix(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return "check that the directory exists and is writable, or set HATCHWAY_DATABASE_URL"
    return (
        "check that PostgreSQL is running and reachable at that host and port, that the "
        "database exists (createdb) and the credentials are right; or set HATCHWAY_DATABASE_URL"
    )


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0] if str(original).strip() else type(exc).__name__
