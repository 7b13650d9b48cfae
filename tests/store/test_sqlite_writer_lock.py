"""SQLite: one process's threads queue for the write lock in Python, not in the busy handler.

Every SQLite transaction is ``BEGIN IMMEDIATE``; with many job threads, SQLite's busy handler
made waiters sleep and poll, and past the busy timeout a transaction failed with "database
is locked". The in-process lock (store/database.py) makes them wait their turn instead, and
must be given back however a transaction ends.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from hatchway.store import Database


def _database(path: Path, busy_timeout_ms: int = 200) -> Database:
    database = Database(f"sqlite:///{path}", busy_timeout_ms=busy_timeout_ms)
    with database.session() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS counter (n INTEGER)"))
    return database


def _count(database: Database) -> int:
    with database.session() as session:
        return int(session.execute(text("SELECT count(*) FROM counter")).scalar_one())


def test_many_threads_holding_the_lock_longer_than_the_busy_timeout_all_commit(
    tmp_path: Path,
) -> None:
    # 16 threads x 3 transactions x 60 ms held: ~2.9 s of turns, three times the 1 s busy
    # timeout, so through SQLite's busy handler alone some fail; the in-process wait (6 s)
    # outlasts the whole queue even on a loaded machine.
    database = _database(tmp_path / "busy.db", busy_timeout_ms=1000)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(3):
                with database.session() as session:
                    session.execute(text("INSERT INTO counter VALUES (1)"))
                    time.sleep(0.06)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _count(database) == 48
    database.dispose()


def test_the_lock_is_given_back_after_a_rollback_a_close_and_a_failed_statement(
    tmp_path: Path,
) -> None:
    database = _database(tmp_path / "ends.db", busy_timeout_ms=100)
    with pytest.raises(RuntimeError), database.session() as session:
        session.execute(text("INSERT INTO counter VALUES (1)"))
        raise RuntimeError("rolled back")
    with database.engine.connect() as connection:  # begun, never committed: closed
        connection.execute(text("INSERT INTO counter VALUES (1)"))
    with pytest.raises(OperationalError), database.session() as session:
        session.execute(text("INSERT INTO no_such_table VALUES (1)"))
    # Another thread can still write at once: nothing above kept the lock.
    done = threading.Event()

    def write() -> None:
        with database.session() as session:
            session.execute(text("INSERT INTO counter VALUES (2)"))
        done.set()

    threading.Thread(target=write).start()
    assert done.wait(timeout=5)
    assert _count(database) == 1
    database.dispose()


def test_two_handles_on_one_file_share_the_lock(tmp_path: Path) -> None:
    # The first holds its transaction 0.4 s: longer than SQLite's 200 ms busy timeout (so
    # the second would fail without the shared lock), well inside the lock's 1.2 s wait.
    first = _database(tmp_path / "shared.db", busy_timeout_ms=200)
    second = Database(f"sqlite:///{tmp_path / 'shared.db'}", busy_timeout_ms=200)
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with first.session() as session:
            session.execute(text("INSERT INTO counter VALUES (1)"))
            entered.set()
            release.wait(timeout=10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert entered.wait(timeout=5)
    started = time.monotonic()
    threading.Timer(0.4, release.set).start()
    with second.session() as session:  # waits for the first handle's commit, does not fail
        session.execute(text("INSERT INTO counter VALUES (1)"))
    assert time.monotonic() - started >= 0.35
    holder.join()
    assert _count(first) == 2
    first.dispose()
    second.dispose()


def test_a_transaction_that_never_ends_fails_the_waiter_with_a_clear_error(
    tmp_path: Path,
) -> None:
    database = _database(tmp_path / "stuck.db", busy_timeout_ms=50)  # waits 0.3 s in all
    with database.session() as session:
        session.execute(text("INSERT INTO counter VALUES (1)"))
        failure: list[BaseException] = []

        def write() -> None:
            try:
                with database.session() as other:
                    other.execute(text("INSERT INTO counter VALUES (1)"))
            except OperationalError as exc:
                failure.append(exc)

        waiter = threading.Thread(target=write)
        waiter.start()
        waiter.join(timeout=10)
    assert len(failure) == 1
    assert "database is locked" in str(failure[0])
    database.dispose()


def test_a_read_session_neither_waits_for_nor_holds_up_a_writer(tmp_path: Path) -> None:
    database = _database(tmp_path / "reads.db", busy_timeout_ms=100)
    with database.session() as writing:
        writing.execute(text("INSERT INTO counter VALUES (1)"))
        # A writer is in its transaction: a read sees the last commit at once.
        with database.read_session() as reading:
            assert reading.execute(text("SELECT count(*) FROM counter")).scalar_one() == 0
    with database.read_session() as reading:
        assert reading.execute(text("SELECT count(*) FROM counter")).scalar_one() == 1
        done = threading.Event()

        def write() -> None:
            with database.session() as session:
                session.execute(text("INSERT INTO counter VALUES (2)"))
            done.set()

        threading.Thread(target=write).start()
        assert done.wait(timeout=5)  # the open read held no lock


def test_a_read_session_refuses_to_write_and_a_write_session_after_it_can(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'ro.db'}", busy_timeout_ms=100)
    with database.session() as session:
        session.execute(text("CREATE TABLE counter (n INTEGER)"))
    database.engine.pool.dispose()  # one pooled connection from here: both modes on it
    with pytest.raises(OperationalError, match="readonly"), database.read_session() as reading:
        reading.execute(text("INSERT INTO counter VALUES (1)"))
    with database.session() as session:  # the same connection, back in write mode
        session.execute(text("INSERT INTO counter VALUES (1)"))
    assert _count(database) == 1
    database.dispose()


def test_reading_runs_each_statement_on_its_own_and_still_refuses_to_write(
    tmp_path: Path,
) -> None:
    database = _database(tmp_path / "one.db")
    with database.session() as writing:
        writing.execute(text("INSERT INTO counter VALUES (1)"))
        with database.reading() as connection:  # no BEGIN: takes no lock, sees the last commit
            assert connection.execute(text("SELECT count(*) FROM counter")).scalar_one() == 0
            assert not connection.connection.dbapi_connection.in_transaction
    with database.reading() as connection:
        assert connection.execute(text("SELECT count(*) FROM counter")).scalar_one() == 1
    with pytest.raises(OperationalError, match="readonly"), database.reading() as connection:
        connection.execute(text("INSERT INTO counter VALUES (2)"))
    # A read session on the same pooled connections still opens its snapshot with BEGIN.
    with database.read_session() as reading:
        reading.execute(text("SELECT 1"))
        assert reading.connection().connection.dbapi_connection.in_transaction
    assert _count(database) == 1
    database.dispose()
