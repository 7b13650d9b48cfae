"""IMAP ingest on a fake and on a real Dovecot, on SQLite and PostgreSQL: nothing lost, no
duplicates, the bookmark moves only after the messages are stored (invariant I1)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hatchway.connectors.imap import (
    FetchedMessage,
    ImapSettings,
    InMemoryAccount,
    MailboxClient,
    connect_with_retry,
)
from hatchway.errors import TransientError
from hatchway.ingest import Backoff, ingest_mailbox, watch_mailbox
from hatchway.intake import TRIAGE_JOB, parse_for_triage
from hatchway.raw_store import FetchedRaw, store_fetched
from hatchway.store import Database
from hatchway.store.models import (
    InboundMessage,
    InboundStatus,
    Job,
    JobState,
    Lane,
    Mailbox,
    utcnow,
)
from tests.fixtures.dovecot import DovecotServer


@dataclass
class Server:
    """A mailbox server as these tests need it: deliver, renumber, connect."""

    settings: ImapSettings
    deliver: Callable[[bytes], None]
    reset_uidvalidity: Callable[[], None]
    connect: Callable[[], MailboxClient]


@pytest.fixture(params=["fake", pytest.param("dovecot", marks=pytest.mark.imap)])
def server(request: pytest.FixtureRequest) -> Server:
    if request.param == "fake":
        account = InMemoryAccount()
        settings = ImapSettings(name="support", host="fake", username="user", password="secret")
        return Server(
            settings=settings.model_copy(update={"fetch_chunk_size": 7}),
            deliver=lambda raw: account.deliver("INBOX", raw) and None,
            reset_uidvalidity=lambda: account.reset_uidvalidity("INBOX"),
            connect=lambda: account.connect(settings),
        )
    dovecot = request.getfixturevalue("dovecot")
    user = dovecot.new_user()
    settings = dovecot.settings(user).model_copy(update={"fetch_chunk_size": 7})
    return Server(
        settings=settings,
        deliver=lambda raw: dovecot.deliver(user, raw),
        reset_uidvalidity=lambda: dovecot.reset_uidvalidity(user) and None,
        connect=lambda: connect_with_retry(settings, attempts=2),
    )


def customer_mail(index: int) -> bytes:
    return (
        f"From: Customer {index} <c{index}@example.com>\r\nTo: support@shop.example\r\n"
        f"Subject: Question {index} about order NW-{100000 + index}\r\n"
        f"Message-ID: <ingest-{index}@example.com>\r\n"
        "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\nWhere is my parcel?\r\n"
    ).encode()


def _counts(database: Database) -> tuple[int, int, int]:
    with database.session() as session:
        messages = session.scalar(select(func.count()).select_from(InboundMessage)) or 0
        distinct = session.scalar(select(func.count(func.distinct(InboundMessage.content_sha256))))
        jobs = session.scalar(select(func.count()).select_from(Job)) or 0
    return messages, distinct or 0, jobs


def test_every_message_is_stored_once_with_its_job(database: Database, server: Server) -> None:
    for index in range(30):
        server.deliver(customer_mail(index))
    seen: list[int] = []
    with server.connect() as client:
        report = ingest_mailbox(
            database, client, server.settings, progress=lambda _n, done, _t: seen.append(done)
        )
        again = ingest_mailbox(database, client, server.settings)
    assert (report.to_fetch, report.stored) == (30, 30)
    assert seen == [7, 14, 21, 28, 30]
    assert again.to_fetch == 0
    assert _counts(database) == (30, 30, 30)
    with database.session() as session:
        assert session.scalars(select(Mailbox.last_uid)).one() == 30


def test_uidvalidity_change_resyncs_without_duplicates(database: Database, server: Server) -> None:
    for index in range(5):
        server.deliver(customer_mail(index))
    with server.connect() as client:
        ingest_mailbox(database, client, server.settings)
    server.reset_uidvalidity()
    for index in range(5, 8):
        server.deliver(customer_mail(index))
    with server.connect() as client:
        report = ingest_mailbox(database, client, server.settings)
    assert report.uidvalidity_changed
    assert (report.stored, report.already_stored) == (3, 5)
    assert _counts(database) == (8, 8, 8)


class FailingFetch:
    """Wraps a client; the n-th fetch raises as a dropped connection does."""

    def __init__(self, client: MailboxClient, fail_on_call: int) -> None:
        self.client = client
        self.calls = 0
        self.fail_on_call = fail_on_call

    def fetch(self, uids: Iterable[int]) -> list[FetchedMessage]:
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise TransientError("imap:test", "connection reset")
        return self.client.fetch(uids)

    def __getattr__(self, name: str) -> object:
        return getattr(self.client, name)


def test_a_failure_mid_backlog_loses_nothing(database: Database, server: Server) -> None:
    for index in range(20):
        server.deliver(customer_mail(index))
    with server.connect() as client:
        broken = FailingFetch(client, fail_on_call=2)
        with pytest.raises(TransientError):
            ingest_mailbox(database, broken, server.settings)  # type: ignore[arg-type]
    with database.session() as session:
        assert session.scalars(select(Mailbox.last_uid)).one() == 7
    assert _counts(database)[0] == 7
    with server.connect() as client:
        ingest_mailbox(database, client, server.settings)
    assert _counts(database) == (20, 20, 20)


def test_the_next_chunk_is_fetched_while_this_one_is_stored(
    database: Database, server: Server
) -> None:
    for index in range(20):
        server.deliver(customer_mail(index))
    fetched_before_first_commit: list[int] = []
    with server.connect() as client:
        counting = FailingFetch(client, fail_on_call=0)

        def first_stored(name: str, done: int, total: int) -> None:
            if not fetched_before_first_commit:
                wait_until(lambda: counting.calls >= 2, 5.0, "the second chunk's fetch")
                time.sleep(0.2)  # time to run further ahead, if it would
                fetched_before_first_commit.append(counting.calls)

        ingest_mailbox(database, counting, server.settings, progress=first_stored)  # type: ignore[arg-type]
    # Fetched ahead, but bounded: one chunk handed over, one more in the thread's hands.
    assert fetched_before_first_commit[0] in (2, 3)
    assert _counts(database) == (20, 20, 20)


def test_a_store_failure_ends_the_fetch_thread_and_keeps_the_stored_chunks(
    database: Database, server: Server
) -> None:
    for index in range(30):
        server.deliver(customer_mail(index))

    def fail_on_second_chunk(name: str, done: int, total: int) -> None:
        if done > 7:
            raise RuntimeError("database went away")

    with server.connect() as client:
        with pytest.raises(RuntimeError, match="database went away"):
            ingest_mailbox(database, client, server.settings, progress=fail_on_second_chunk)
        assert not [t for t in threading.enumerate() if t.name == "imap-fetch-ahead"]
        with database.session() as session:
            assert session.scalars(select(Mailbox.last_uid)).one() == 14
        assert _counts(database)[0] == 14
        # The connection is the caller's again: the next pass on it stores the rest.
        ingest_mailbox(database, client, server.settings)
    assert _counts(database) == (30, 30, 30)


class CuttableProxy:
    """A TCP proxy in front of a server that can cut every connection and refuse new ones
    (each is closed as soon as it is accepted), as a network outage does."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.down = threading.Event()
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # listener closed
            if self.down.is_set():
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()

    def cut(self) -> None:
        """Drop every open connection and refuse new ones until :meth:`restore`."""
        self.down.set()
        with self._lock:
            connections, self._open = self._open, []
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def restore(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self.listener.close()
        self.cut()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(0.05)


def _stored_per_mailbox(database: Database) -> dict[str, int]:
    with database.session() as session:
        rows = session.execute(
            select(Mailbox.name, func.count(InboundMessage.id))
            .join(InboundMessage, InboundMessage.mailbox_id == Mailbox.id)
            .group_by(Mailbox.name)
        )
        return {str(name): int(count) for name, count in rows.all()}


def _watch(
    database: Database, settings: ImapSettings, stop: threading.Event, **options: Any
) -> threading.Thread:
    thread = threading.Thread(
        target=watch_mailbox,
        args=(database, settings, lambda: connect_with_retry(settings, attempts=1), stop),
        kwargs=options,
        daemon=True,
    )
    thread.start()
    return thread


@pytest.mark.imap
def test_watch_idles_on_several_mailboxes_each_with_its_own_bookmark(
    database: Database, dovecot: DovecotServer, caplog: pytest.LogCaptureFixture
) -> None:
    users = [dovecot.new_user(), dovecot.new_user()]
    boxes = [
        dovecot.settings(user).model_copy(update={"name": name})
        for user, name in zip(users, ("support", "sales"), strict=True)
    ]
    stop = threading.Event()
    caplog.set_level(logging.INFO, logger="hatchway.ingest")
    # IDLE lasts up to 120 s here: mail stored sooner was announced by the server (IDLE).
    threads = [_watch(database, box, stop, poll_seconds=120) for box in boxes]
    try:
        wait_until(
            lambda: sum("(IDLE)" in r.getMessage() for r in caplog.records) == 2,
            30,
            "both watchers to enter IDLE",
        )
        time.sleep(0.5)  # the first, empty, pass is over: what follows must wake the IDLE
        delivered_at = time.monotonic()
        for index, user in enumerate(users * 3):
            dovecot.deliver(user, customer_mail(1000 + index))
        wait_until(
            lambda: _stored_per_mailbox(database) == {"support": 3, "sales": 3},
            60,
            "three messages in each mailbox",
        )
        assert time.monotonic() - delivered_at < 60  # far below the 120 s IDLE
    finally:
        stop.set()
        for user in users:  # wakes each IDLE, so the watchers see the stop at once
            dovecot.deliver(user, customer_mail(2000 + users.index(user)))
        for thread in threads:
            thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a watcher did not stop"
    with database.session() as session:
        rows = session.execute(select(Mailbox.name, Mailbox.last_uid)).all()
    bookmarks = {str(name): last_uid for name, last_uid in rows}
    assert bookmarks["support"] >= 3 and bookmarks["sales"] >= 3


@pytest.mark.imap
def test_watch_reconnects_with_backoff_after_a_network_outage_and_says_so(
    database: Database, dovecot: DovecotServer, caplog: pytest.LogCaptureFixture
) -> None:
    user = dovecot.new_user()
    proxy = CuttableProxy(dovecot.port)
    settings = dovecot.settings(user).model_copy(update={"name": "support", "port": proxy.port})
    backoff = Backoff(initial_seconds=0.1, max_seconds=0.4, healthy_seconds=60)
    stop = threading.Event()
    caplog.set_level(logging.INFO, logger="hatchway.ingest")
    thread = _watch(database, settings, stop, poll_seconds=2, backoff=backoff)
    try:
        dovecot.deliver(user, customer_mail(1))
        wait_until(lambda: _counts(database)[0] == 1, 30, "the first message")
        proxy.cut()  # mid-IDLE: the connection drops, and new ones are refused
        wait_until(
            lambda: sum("reconnecting in" in r.getMessage() for r in caplog.records) >= 3,
            30,
            "three failed reconnects",
        )
        dovecot.deliver(user, customer_mail(2))
        proxy.restore()
        wait_until(lambda: _counts(database)[0] == 2, 30, "the message sent during the outage")
    finally:
        stop.set()
        thread.join(timeout=30)
        proxy.close()
    assert not thread.is_alive(), "the watcher did not stop"
    reconnects = [r for r in caplog.records if "reconnecting in" in r.getMessage()]
    assert all(r.levelno == logging.WARNING for r in reconnects)
    assert all(r.getMessage().startswith("mailbox 'support': imap:support:") for r in reconnects)
    attempts = [int(r.getMessage().rsplit("attempt ", 1)[1].rstrip(")")) for r in reconnects]
    assert attempts[:3] == [2, 3, 4]  # one backoff series: the outage did not reset it
    delays = [float(r.getMessage().split("reconnecting in ")[1].split("s")[0]) for r in reconnects]
    assert all(0 <= delay <= backoff.max_seconds for delay in delays)
    watching = [r for r in caplog.records if r.getMessage().startswith("mailbox 'support': watch")]
    assert len(watching) == 2  # connected, and connected again after the outage
    assert _counts(database) == (2, 2, 2)


def _mail(message_id: str, subject: str, extra: str = "") -> bytes:
    return (
        f"From: Jo <jo@example.com>\r\nTo: support@shop.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n{extra}\r\n"
        "Where is my parcel?\r\n"
    ).encode()


def _triage_jobs(database: Database) -> dict[int, int]:
    """{message id: job id} of the triage jobs, checking there is exactly one per message."""
    with database.session() as session:
        jobs = list(session.execute(select(Job.inbound_message_id, Job.id, Job.kind)))
    assert all(job.kind == TRIAGE_JOB for job in jobs)
    by_message = {job.inbound_message_id: job.id for job in jobs}
    assert len(by_message) == len(jobs), "a message with two triage jobs"
    return by_message


def test_ingest_stores_raw_bytes_and_a_job_and_the_job_parses_them(
    database: Database, server: Server
) -> None:
    """DESIGN.md steps 1 and 2: ingest stores only the bytes (every message gets its job);
    the job's parse step quarantines, ignores (I6) or threads, each with its reason."""
    mails = {
        "question": _mail("q@example.com", "Order NW-100231 not arrived"),
        "reply": _mail("r@example.com", "Still waiting", "In-Reply-To: <q@example.com>\r\n"),
        "auto": _mail("a@example.com", "Out of office", "Auto-Submitted: auto-replied\r\n"),
        "bulk": _mail("b@example.com", "News", "Precedence: bulk\r\n"),
        "broken": b"Subject: no sender here\r\nMessage-ID: <x@example.com>\r\n\r\nbody\r\n",
    }
    for raw in mails.values():
        server.deliver(raw)
    with server.connect() as client:
        report = ingest_mailbox(database, client, server.settings)
    assert (report.stored, report.by_status) == (5, {"received": 5})
    with database.session() as session:
        rows = {row.raw: row for row in session.scalars(select(InboundMessage))}
        ids = {name: rows[raw].id for name, raw in mails.items()}
        for row in rows.values():  # nothing parsed yet, the Message-ID read from the bytes
            assert (row.status, row.parsed_at, row.thread_id) == ("received", None, None)
            assert row.from_address is None and row.message_id is not None
            assert row.content_sha256 and row.mailbox_id is not None
    jobs = _triage_jobs(database)
    assert set(jobs) == set(ids.values())
    # The reply's job runs first (jobs run side by side): the question it answers is
    # parsed on the way, so both land in one thread (another subject: only the link joins).
    order = ["reply", "question", "auto", "bulk", "broken"]
    statuses = {name: parse_for_triage(database, ids[name]) for name in order}
    assert statuses == {
        "reply": InboundStatus.RECEIVED,
        "question": InboundStatus.RECEIVED,
        "auto": InboundStatus.IGNORED,
        "bulk": InboundStatus.IGNORED,
        "broken": InboundStatus.QUARANTINED,
    }
    with database.session() as session:
        stored = {name: session.get(InboundMessage, ids[name]) for name in mails}
    question, reply = stored["question"], stored["reply"]
    assert question is not None and reply is not None
    assert question.thread_id is not None and reply.thread_id == question.thread_id
    assert question.from_address == "jo@example.com" and question.parsed_at is not None
    auto, bulk, broken = stored["auto"], stored["bulk"], stored["broken"]
    assert auto is not None and "auto-replied" in (auto.status_reason or "")
    assert bulk is not None and "bulk" in (bulk.status_reason or "")
    assert broken is not None and "From" in (broken.status_reason or "")
    assert broken.raw == mails["broken"]  # kept as it came (I1)
    # A job that runs again (retried after a crash) finds the message parsed: no change.
    before = (question.thread_id, question.parsed_at)
    assert parse_for_triage(database, ids["question"]) == InboundStatus.RECEIVED
    assert parse_for_triage(database, ids["broken"]) == InboundStatus.QUARANTINED
    with database.session() as session:
        again = session.get(InboundMessage, ids["question"])
        assert again is not None and (again.thread_id, again.parsed_at) == before
    assert parse_for_triage(database, 10**9) is None


def test_old_mail_goes_to_the_backfill_lane_from_its_internaldate(database: Database) -> None:
    account = InMemoryAccount()
    settings = ImapSettings(name="support", host="fake", username="user", password="secret")
    account.deliver("INBOX", _mail("old@example.com", "old"), when=utcnow() - timedelta(days=30))
    account.deliver("INBOX", _mail("new@example.com", "new"))
    with account.connect(settings) as client:
        ingest_mailbox(database, client, settings)
    with database.session() as session:
        lanes = dict(
            session.execute(
                select(InboundMessage.message_id, Job.lane).join(
                    Job, Job.inbound_message_id == InboundMessage.id
                )
            ).all()
        )
    assert lanes == {"<old@example.com>": Lane.BACKFILL, "<new@example.com>": Lane.LIVE}


def test_a_refetched_chunk_is_not_stored_twice(database: Database) -> None:
    """The unique (mailbox, UIDVALIDITY, UID) key skips what is stored (ON CONFLICT)."""
    with database.session() as session:
        mailbox = Mailbox(name="support", folder="INBOX", uidvalidity=7)
        session.add(mailbox)
        session.flush()
        mailbox_id = mailbox.id
    chunk = [FetchedRaw(uid=uid, raw=_mail(f"c{uid}@x", "hi")) for uid in (1, 2, 3)]
    with database.session() as session:
        first = store_fetched(session, mailbox_id=mailbox_id, uidvalidity=7, messages=chunk[:2])
    with database.session() as session:
        again = store_fetched(session, mailbox_id=mailbox_id, uidvalidity=7, messages=chunk)
    assert (first.stored, first.already_stored) == (2, 0)
    assert (again.stored, again.already_stored) == (1, 2)
    assert _counts(database) == (3, 3, 3)
    assert len(_triage_jobs(database)) == 3


def test_each_chunk_gets_its_own_defaults_and_staging_keeps_nothing(database: Database) -> None:
    """A chunk's rows are stored by INSERT ... SELECT from a staging table, the column
    defaults bound once per statement: each chunk gets its own time (not the first chunk's,
    cached with the statement), every row the model's defaults; the connection keeps no
    staged bytes after a commit, and a chunk rolled back (taking the staging table made in
    its transaction with it) does not stop the next one on the same connection."""
    with database.session() as session:
        mailbox = Mailbox(name="support", folder="INBOX", uidvalidity=7)
        session.add(mailbox)
        session.flush()
        mailbox_id = mailbox.id
    schema = "temp" if database.dialect == "sqlite" else "pg_temp"
    with database.engine.connect() as connection:
        with pytest.raises(RuntimeError), Session(connection) as session, session.begin():
            chunk = [FetchedRaw(uid=9, raw=_mail("rolled-back@x", "hi"))]
            store_fetched(session, mailbox_id=mailbox_id, uidvalidity=7, messages=chunk)
            raise RuntimeError("the chunk's transaction fails after the store")
        for uids in ((1, 2), (3, 4)):
            chunk = [FetchedRaw(uid=uid, raw=_mail(f"d{uid}@x", "hi")) for uid in uids]
            with Session(connection) as session, session.begin():
                store_fetched(session, mailbox_id=mailbox_id, uidvalidity=7, messages=chunk)
            staged = f"SELECT count(*) FROM {schema}.hatchway_ingest_staging"
            assert connection.execute(text(staged)).scalar() == 0
            connection.rollback()
            time.sleep(0.01)
    with database.session() as session:
        messages = session.scalars(select(InboundMessage).order_by(InboundMessage.uid)).all()
        rows = [(m.uid, m.received_at, m.status, m.parsed_at, m.to_addresses) for m in messages]
        jobs = session.scalars(select(Job).order_by(Job.id)).all()
        job_rows = [(j.state, j.attempts, j.payload, j.run_after) for j in jobs]
    assert [row[0] for row in rows] == [1, 2, 3, 4]
    assert rows[0][1] == rows[1][1] < rows[2][1] == rows[3][1]  # one time a chunk
    assert all(row[2:] == (InboundStatus.RECEIVED, None, []) for row in rows)
    assert [job[:3] for job in job_rows] == [(JobState.QUEUED, 0, {})] * 4
    assert job_rows[0][3] < job_rows[2][3]


def test_a_resync_recognises_a_message_by_its_message_id_when_the_bytes_differ(
    database: Database,
) -> None:
    """After a UIDVALIDITY change the server may hand out other bytes for a message we have
    (a header added on the way): the Message-ID read from the raw headers still matches."""
    with database.session() as session:
        mailbox = Mailbox(name="support", folder="INBOX", uidvalidity=1)
        session.add(mailbox)
        session.flush()
        mailbox_id = mailbox.id
    before = [FetchedRaw(uid=uid, raw=_mail(f"s{uid}@x", "hi")) for uid in (1, 2)]
    with database.session() as session:
        store_fetched(session, mailbox_id=mailbox_id, uidvalidity=1, messages=before)
    after = [
        FetchedRaw(uid=10, raw=b"X-Moved: yes\r\n" + _mail("s1@x", "hi")),
        FetchedRaw(uid=11, raw=_mail("s2@x", "hi")),
        FetchedRaw(uid=12, raw=_mail("s3@x", "hi")),
    ]
    with database.session() as session:
        result = store_fetched(
            session, mailbox_id=mailbox_id, uidvalidity=2, messages=after, resync=True
        )
    assert (result.stored, result.already_stored) == (1, 2)
    with database.session() as session:
        keys = dict(session.execute(select(InboundMessage.message_id, InboundMessage.uid)).all())
        validities = set(session.scalars(select(InboundMessage.uidvalidity)))
    assert keys == {"<s1@x>": 10, "<s2@x>": 11, "<s3@x>": 12}
    assert validities == {2}
    assert len(_triage_jobs(database)) == 3
