"""Opening the SQLite checkpointer: workers that open a new checkpoint file at once all get
one (SQLite refused all but one switch to WAL with "database is locked", at once)."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from hatchway.graphs.checkpoint import open_checkpointer, sqlite_checkpoint_path
from hatchway.store import Database

OPENERS = 6
TRIALS = 40  # the race lost in about one trial in fifteen before the fix


def _open_together(database: Database) -> list[BaseException]:
    gate = threading.Barrier(OPENERS, timeout=30)
    errors: list[BaseException] = []

    def open_one() -> None:
        gate.wait()
        try:
            with open_checkpointer(database) as saver:
                saver.get_tuple({"configurable": {"thread_id": "t"}})
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(OPENERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_workers_opening_a_new_checkpoint_file_at_once_all_get_one(tmp_path: Path) -> None:
    for trial in range(TRIALS):
        database = Database(f"sqlite:///{tmp_path / f'trial{trial}.db'}")
        try:
            assert _open_together(database) == [], f"trial {trial}"
            with closing(sqlite3.connect(sqlite_checkpoint_path(database))) as checkpoints:
                assert checkpoints.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        finally:
            database.dispose()
