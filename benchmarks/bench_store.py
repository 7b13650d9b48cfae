"""Store throughput, SQLite and PostgreSQL side by side in one run.

    .venv/bin/python -m benchmarks.bench_store [--messages 2000]

Measures accepting raw mail (parse + store + thread + enqueue, one transaction each, as
IMAP ingest does) and claiming+finishing jobs. Reports rates and the PG/SQLite ratio; the
machine is shared, so compare ratios, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from hatchway.intake import accept_raw_message
from hatchway.store import Database
from hatchway.store.jobs import claim_job, finish_job
from hatchway.store.migrate import upgrade
from hatchway.store.models import InboundSource

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def synthetic_mail(index: int) -> bytes:
    """A plausible customer e-mail, distinct per index."""
    return (
        f"From: Customer {index} <c{index}@example.com>\r\nTo: support@shop.example\r\n"
        f"Subject: Where is order NW-{100000 + index}?\r\nMessage-ID: <b{index}@example.com>\r\n"
        "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + "Hello, my parcel has not arrived yet. Could you check please?\r\n"
        * 8
    ).encode()


@contextmanager
def databases(workdir: Path) -> Iterator[list[tuple[str, Database]]]:
    """A fresh migrated SQLite file and a fresh PostgreSQL schema."""
    schema = f"hw_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    pg_url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    pairs = [
        ("sqlite", Database(f"sqlite:///{workdir / 'bench.db'}")),
        ("postgresql", Database(pg_url)),
    ]
    for _, database in pairs:
        upgrade(database)
    try:
        yield pairs
    finally:
        for _, database in pairs:
            database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def accept_all(database: Database, count: int) -> None:
    for index in range(count):
        with database.session() as session:
            accept_raw_message(session, raw=synthetic_mail(index), source=InboundSource.IMAP)


def claim_all(database: Database, count: int) -> None:
    for _ in range(count):
        job = claim_job(database, owner="bench", kinds={"triage"}, lease=timedelta(minutes=5))
        assert job is not None
        with database.session() as session:
            finish_job(session, job)


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    count = parser.parse_args().messages
    with tempfile.TemporaryDirectory() as workdir, databases(Path(workdir)) as pairs:
        results = {}
        for name, database in pairs:
            accept = timed(lambda db=database: accept_all(db, count))
            claim = timed(lambda db=database: claim_all(db, count))
            results[name] = (count / accept, count / claim)
    print(f"{count} messages; rates in operations per second")
    print(f"{'database':<12}{'accept mail/s':>15}{'claim+finish jobs/s':>22}")
    for name, (accept_rate, claim_rate) in results.items():
        print(f"{name:<12}{accept_rate:>15.0f}{claim_rate:>22.0f}")
    sqlite, pg = results["sqlite"], results["postgresql"]
    print(f"{'pg/sqlite':<12}{pg[0] / sqlite[0]:>15.2f}{pg[1] / sqlite[1]:>22.2f}")


if __name__ == "__main__":
    main()
