"""IMAP ingest on a fake and on a real Dovecot, on SQLite and PostgreSQL: nothing lost, no
duplicates, the bookmark moves only after the messages are stored (invariant I1)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from hatchway.connectors.imap import (
    FetchedMessage,
    ImapSettings,
    InMemoryAccount,
    MailboxClient,
    connect_with_retry,
)
from hatchway.errors import TransientError
from hatchway.ingest import ingest_mailbox
from hatchway.store import Database
from hatchway.store.models import InboundMessage, Job, Mailbox


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
