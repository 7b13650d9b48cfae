"""IMAP ingest rate from a local Dovecot into SQLite and PostgreSQL, against a bare FETCH loop.

    .venv/bin/python -m benchmarks.bench_ingest [--messages 3000] [--rounds 3]
        [--corpus ../shared/data/mail/spamassassin] [--profile ingest.prof] [--chunk 50]
        [--serial] [--no-parse]

Starts a Dovecot from a config written to a temp dir (the test suite's own helpers in
tests/fixtures/dovecot.py), APPENDs a seeded sample of real messages from the corpus to one
INBOX, then measures in interleaved rounds (bare, SQLite, PostgreSQL; a fresh database for
each ingest):

- **bare**: imapclient alone: log in, SELECT, UID SEARCH, then UID FETCH of the same items
  as ingest (``BODY.PEEK[] FLAGS INTERNALDATE``) in chunks of ingest's ``fetch_chunk_size``,
  bytes discarded. The ceiling for any client in Python over this connection.
- **sqlite** / **postgresql**: ``ImapClientMailbox.connect`` + ``hatchway.ingest.ingest_mailbox``
  (fetch ahead on a thread; per chunk the raw rows into a staging table in one bulk write,
  binary COPY on PostgreSQL, then one INSERT ... SELECT of the messages and one of their
  triage jobs, the bookmark, one commit). Parsing is the triage job's first step on the
  worker, not part of ingest; the ``parse_message`` row shows what that step costs per
  message, for comparison.

Prints a markdown table of median rates and the ratio to the bare loop, also per round
(each pass against the bare pass of its round, and their median); the machine is shared,
so compare the ratios measured side by side, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from pathlib import Path

import imapclient
from sqlalchemy import create_engine, func, select, text

from hatchway.connectors.imap import ImapClientMailbox, ImapSettings
from hatchway.ingest import IngestReport, _bookmark, _chunks, _store_chunk, ingest_mailbox
from hatchway.mail.parse import parse_message
from hatchway.store import Database
from hatchway.store.migrate import upgrade
from hatchway.store.models import InboundMessage
from tests.fixtures.dovecot import DovecotMissing, DovecotServer, running_dovecot

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared/data/mail/spamassassin"
FETCH_ITEMS = ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"]  # what ImapClientMailbox fetches
APPEND_BATCH = 100


def corpus_sample(corpus: Path, count: int, seed: int = 0) -> list[bytes]:
    """``count`` messages drawn (seeded) from every ``*.eml`` under ``corpus``."""
    files = sorted(corpus.rglob("*.eml"))
    if len(files) < count:
        raise SystemExit(f"{corpus} has {len(files)} messages, fewer than --messages {count}")
    return [path.read_bytes() for path in random.Random(seed).sample(files, count)]


@contextmanager
def dovecot_or_exit() -> Iterator[DovecotServer]:
    """The tests' Dovecot (tests/fixtures/dovecot.py); exit with the install hint without it."""
    try:
        with running_dovecot("hatchway-bench-dovecot-") as server:
            yield server
    except DovecotMissing as missing:
        raise SystemExit(str(missing)) from None


def load_mailbox(settings: ImapSettings, messages: list[bytes]) -> None:
    """APPEND ``messages`` to the INBOX (MULTIAPPEND when the server has it)."""
    client = imapclient.IMAPClient(settings.host, port=settings.port, ssl=False)
    client.login(settings.username, "secret")
    multi = client.has_capability("MULTIAPPEND")
    for start in range(0, len(messages), APPEND_BATCH):
        batch = messages[start : start + APPEND_BATCH]
        if multi:
            client.multiappend(settings.folder, batch)
        else:
            for raw in batch:
                client.append(settings.folder, raw)
    client.logout()


def bare_fetch(settings: ImapSettings) -> int:
    """imapclient alone: every message's bytes, in ingest's chunk size; returns the count."""
    client = imapclient.IMAPClient(settings.host, port=settings.port, ssl=False)
    client.login(settings.username, "secret")
    client.select_folder(settings.folder)
    uids = sorted(client.search(["UID", "1:*"]))
    fetched = 0
    size = settings.fetch_chunk_size
    for start in range(0, len(uids), size):
        response = client.fetch(uids[start : start + size], FETCH_ITEMS)
        fetched += sum(1 for data in response.values() if b"BODY[]" in data)
    client.logout()
    return fetched


def hatchway_ingest(settings: ImapSettings, database: Database) -> int:
    """The real path, as ``hatchway ingest --once`` runs it; returns the messages stored."""
    with ImapClientMailbox.connect(settings) as client:
        report = ingest_mailbox(database, client, settings)
    return report.stored


def serial_ingest(settings: ImapSettings, database: Database) -> int:
    """``--serial``: the same store steps with no fetch ahead (fetch, store, fetch, ...), to
    show in the same run what overlapping the fetch with the store gains."""
    with ImapClientMailbox.connect(settings) as client:
        state = client.select(settings.folder)
        mailbox_id, last_uid, _, resync = _bookmark(database, settings, state.uidvalidity)
        report = IngestReport(mailbox=settings.name)
        for chunk in _chunks(client.uids_above(last_uid), settings.fetch_chunk_size):
            fetched = client.fetch(chunk)
            _store_chunk(database, mailbox_id, state.uidvalidity, chunk, fetched, resync, report)
    return report.stored


@contextmanager
def fresh_sqlite(workdir: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{workdir / f'ingest-{uuid.uuid4().hex[:8]}.db'}")
    upgrade(database)
    try:
        yield database
    finally:
        database.dispose()


@contextmanager
def fresh_postgres() -> Iterator[Database]:
    """A throwaway PostgreSQL database, migrated, dropped afterwards."""
    name = f"hw_bench_ingest_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        upgrade(database)
        yield database
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def stored_count(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(InboundMessage)) or 0)


def timed(action: Callable[[], int], expected: int) -> float:
    """Seconds ``action`` took; it must have handled all ``expected`` messages."""
    start = time.perf_counter()
    done = action()
    elapsed = time.perf_counter() - start
    if done != expected:
        raise SystemExit(f"expected {expected} messages, got {done}")
    return elapsed


def parse_only(messages: list[bytes]) -> int:
    """``parse_message`` over the same bytes, no IMAP and no database: ingest's parse share."""
    for raw in messages:
        parse_message(raw)
    return len(messages)


def run_round(
    settings: ImapSettings,
    workdir: Path,
    messages: list[bytes],
    profile: cProfile.Profile | None,
    serial: bool = False,
    parse: bool = True,
) -> dict[str, float]:
    """One bare, one SQLite and one PostgreSQL pass (and serial ones), the parse; seconds."""
    count = len(messages)
    seconds = {"bare imapclient FETCH": timed(lambda: bare_fetch(settings), count)}
    targets: list[tuple[str, Callable[..., int], AbstractContextManager[Database]]] = [
        ("hatchway → sqlite", hatchway_ingest, fresh_sqlite(workdir)),
        ("hatchway → postgresql", hatchway_ingest, fresh_postgres()),
    ]
    if serial:
        targets += [
            ("serial (no fetch ahead) → sqlite", serial_ingest, fresh_sqlite(workdir)),
            ("serial (no fetch ahead) → postgresql", serial_ingest, fresh_postgres()),
        ]
    for name, ingest, fresh in targets:
        with fresh as database:
            if profile is not None:
                profile.enable()
            seconds[name] = timed(partial(ingest, settings, database), count)
            if profile is not None:
                profile.disable()
            if stored_count(database) != count:
                raise SystemExit(f"{name}: {stored_count(database)} rows stored, not {count}")
    if parse:
        seconds["(parse_message alone, no IMAP, no database)"] = timed(
            lambda: parse_only(messages), count
        )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the ingest passes")
    parser.add_argument(
        "--serial", action="store_true", help="also time ingest without the fetch ahead"
    )
    parser.add_argument("--no-parse", action="store_true", help="skip the parse_message row")
    parser.add_argument(
        "--chunk", type=int, help="fetch_chunk_size for bare and ingest (default: the setting's)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    messages = corpus_sample(args.corpus, args.messages)
    count = len(messages)
    megabytes = sum(len(raw) for raw in messages) / 1e6
    profile = cProfile.Profile() if args.profile else None
    runs: dict[str, list[float]] = {}
    with dovecot_or_exit() as server, tempfile.TemporaryDirectory() as workdir:
        user = server.new_user()
        settings = server.settings(user)
        if args.chunk:
            settings = settings.model_copy(update={"fetch_chunk_size": args.chunk})
        load_mailbox(settings, messages)
        bare_fetch(settings)  # warm-up: Dovecot builds its index and caches on first read
        for _ in range(args.rounds):
            for name, elapsed in run_round(
                settings, Path(workdir), messages, profile, args.serial, not args.no_parse
            ).items():
                runs.setdefault(name, []).append(elapsed)
    if profile is not None:
        profile.dump_stats(args.profile)
    print(
        f"{count} messages ({megabytes:.1f} MB, mean {megabytes * 1e3 / count:.1f} kB) "
        f"drawn from {args.corpus}; "
        f"fetch chunk {settings.fetch_chunk_size}; "
        f"median of {args.rounds} interleaved rounds\n"
    )
    print(
        "| path | msg/s (median) | MB/s | ratio to bare | msg/s per round "
        "| ratio to the same round's bare | median of those |"
    )
    print("|---|---:|---:|---:|---|---|---:|")
    bare_seconds = runs["bare imapclient FETCH"]
    bare_rate = count / statistics.median(bare_seconds)
    for name, seconds in runs.items():
        rate = count / statistics.median(seconds)
        each = ", ".join(f"{count / s:.0f}" for s in seconds)
        # Paired with the bare pass run just before it: load drifting between rounds on a
        # shared machine moves both, so these vary less than the ratio of the medians.
        paired = [bare / s for bare, s in zip(bare_seconds, seconds, strict=True)]
        print(
            f"| {name} | {rate:.0f} | {rate * megabytes / count:.2f} "
            f"| {rate / bare_rate:.2f} | {each} | {', '.join(f'{r:.2f}' for r in paired)} "
            f"| {statistics.median(paired):.2f} |"
        )


if __name__ == "__main__":
    main()
