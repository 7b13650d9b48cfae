"""The database handle: one engine and session factory, built from Settings and passed in.

SQLite runs in WAL mode with a busy timeout and foreign keys on, and every transaction
starts with ``BEGIN IMMEDIATE``: writers queue on the busy timeout instead of failing
when a read lock cannot be upgraded, which is what lets several processes share one
file safely. Within one process, the threads' transactions on a file also queue on a
Python lock (:class:`_FileWriterLock`) taken before ``BEGIN IMMEDIATE`` and given back at
commit or rollback: a waiting thread sleeps until the lock is free, instead of polling
SQLite's busy handler (sleeps of up to 100 ms each) and failing with "database is locked"
after the busy timeout when many job threads write at once.

PostgreSQL: a pooled connection that sat idle for a few seconds is pinged when it is checked
out, and replaced if the server dropped it (:mod:`hatchway.pool_ping`); one used moments ago
is not: ``pool_pre_ping`` pinged on every checkout, a round trip per transaction (a tenth of
a triage run's time).

What runs for every email (the job claim, the thread lease, node records) uses Core
statements built once with bind parameters, on a :meth:`Database.transaction` connection:
building a statement, its cache key and the ORM session around it cost several times the
statement itself (one UPDATE on SQLite: 360 µs through the ORM, 80 µs this way), and they
execute as :class:`~hatchway.store.prepared.Prepared` statements, on the DBAPI cursor.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.orm import Session, sessionmaker

from hatchway.errors import DatabaseError
from hatchway.pool_ping import ping_when_idle
from hatchway.store.prepared import Prepared

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
        self._reading_engine: Engine | None = None
        if self.dialect == "sqlite" and parsed.database and parsed.database != ":memory:":
            self._reading_engine = _sqlite_reading_engine(
                parsed, busy_timeout_ms=busy_timeout_ms, echo=echo
            )
        self._read_sessions = sessionmaker(
            self._reading_engine or self.engine, expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session that only reads. On a SQLite file it runs on connections of their own,
        opened in ``query_only`` mode, and its transaction is a plain (deferred) ``BEGIN``:
        it takes no write lock, so it neither waits for the writers nor holds them up (WAL
        readers see the last commit); a write in it fails ("attempt to write a readonly
        database"). On PostgreSQL, and on an in-memory SQLite database (one connection's
        own), it is :meth:`session`."""
        with self._read_sessions.begin() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in one transaction, for Core statements only: committed on success,
        rolled back on error. Same locking as :meth:`session`, without the ORM's unit of
        work; what the job loop and the graph runner do per email goes this way."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """:meth:`read_session`'s connection, for one Core statement (or several that need
        not see one snapshot). On a SQLite file each statement runs on its own, without the
        ``BEGIN`` a read session opens: a single SELECT is its own consistent read, and
        the BEGIN cost as much as the query it wrapped."""
        if self._reading_engine is None:
            with self.engine.begin() as connection:
                yield connection
            return
        with self._reading_engine.connect() as connection:
            connection.execution_options(**{ONE_STATEMENT: True})
            yield connection

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
        if self._reading_engine is not None:
            self._reading_engine.dispose()


def _make_engine(url: URL, *, busy_timeout_ms: int, echo: bool, pool_size: int | None) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout_ms=busy_timeout_ms, echo=echo)
    sizing = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 10}
    engine = create_engine(url, echo=echo, **sizing)
    ping_when_idle(engine)
    return engine


# Every transaction's first statement on SQLite: on the cursor (hatchway.store.prepared),
# which costs a third of what exec_driver_sql does, and raises the same errors.
_BEGIN_IMMEDIATE: Final = Prepared(text("BEGIN IMMEDIATE"))
_BEGIN: Final = Prepared(text("BEGIN"))

# How much longer than SQLite's busy timeout a thread waits for the in-process lock: the
# queue may be long when every job thread writes, and waiting here costs no CPU.
WRITER_LOCK_WAIT_FACTOR: Final = 6


class _FileWriterLock:
    """One per SQLite file in this process: held from BEGIN IMMEDIATE to commit/rollback.

    It is held for a connection, not a thread (a plain lock: any thread may give it back),
    and given back by that connection's commit or rollback, its failed BEGIN, or its return
    to the pool. A thread that opened a second transaction inside its first would wait here
    until the wait runs out and fail with "database is locked", as SQLite itself would.
    """

    _registry_lock = threading.Lock()
    _by_file: dict[str, threading.Lock] = {}

    def __init__(self, database: str, wait_seconds: float) -> None:
        key = str(Path(database).resolve()) if database and database != ":memory:" else ""
        with self._registry_lock:
            self.lock = self._by_file.setdefault(key, threading.Lock()) if key else None
        self.wait_seconds = wait_seconds

    def acquire(self, holder: dict[str, Any]) -> None:
        if self.lock is None or holder.get("hatchway_writer_lock"):
            return
        if not self.lock.acquire(timeout=self.wait_seconds):
            raise OperationalError(
                "BEGIN IMMEDIATE",
                None,
                Exception(
                    f"database is locked: no transaction of this process ended within "
                    f"{self.wait_seconds:.0f} s"
                ),
            )
        holder["hatchway_writer_lock"] = True

    def release(self, holder: dict[str, Any]) -> None:
        if self.lock is not None and holder.pop("hatchway_writer_lock", False):
            self.lock.release()


def _sqlite_engine(url: URL, *, busy_timeout_ms: int, echo: bool) -> Engine:
    if url.database and url.database != ":memory:":
        # A missing directory is made; one that cannot be is reported by check().
        with suppress(OSError):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": busy_timeout_ms / 1000})
    writers = _FileWriterLock(url.database or "", busy_timeout_ms / 1000 * WRITER_LOCK_WAIT_FACTOR)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        _configure_sqlite(dbapi_connection, busy_timeout_ms)
        _set_pragma(dbapi_connection, "journal_mode=WAL")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        holder = connection.connection.info  # the pooled DBAPI connection's own dict
        writers.acquire(holder)
        try:
            _BEGIN_IMMEDIATE.run(connection)
        except BaseException:
            writers.release(holder)
            raise

    def _on_end(connection: Any) -> None:
        writers.release(connection.connection.info)

    event.listen(engine, "commit", _on_end)
    event.listen(engine, "rollback", _on_end)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        writers.release(record.info)  # a connection given back mid-transaction

    @event.listens_for(engine, "close")
    def _on_close(_dbapi_connection: Any, record: Any) -> None:
        writers.release(record.info)

    return engine


def _sqlite_reading_engine(url: URL, *, busy_timeout_ms: int, echo: bool) -> Engine:
    """Connections for :meth:`Database.read_session`: ``query_only`` from the start, and a
    deferred ``BEGIN`` (a WAL reader takes no lock, so no writer lock either)."""
    engine = create_engine(url, echo=echo, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        _configure_sqlite(dbapi_connection, busy_timeout_ms)
        _set_pragma(dbapi_connection, "query_only=1")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not connection.get_execution_options().get(ONE_STATEMENT):
            _BEGIN.run(connection)

    return engine


# An execution option of :meth:`Database.reading`'s SQLite connections: no BEGIN (each
# statement is then its own transaction, in the driver's autocommit mode).
ONE_STATEMENT: Final = "hatchway_one_statement"


def _configure_sqlite(dbapi_connection: Any, busy_timeout_ms: int) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (see the begin events).
    dbapi_connection.isolation_level = None
    for pragma in (
        f"busy_timeout={int(busy_timeout_ms)}",
        "foreign_keys=ON",
        "synchronous=NORMAL",
    ):
        _set_pragma(dbapi_connection, pragma)


def _set_pragma(dbapi_connection: Any, pragma: str) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


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
