"""Accepting raw mail: stored with its job in one transaction, idempotent, nothing dropped."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hatchway import intake
from hatchway.accounts import create_or_reset_user
from hatchway.intake import TRIAGE_JOB, accept_raw_message, reparse
from hatchway.mail.parse import Quarantined
from hatchway.outbox import approve_draft
from hatchway.store import Database
from hatchway.store.models import (
    Approval,
    Draft,
    InboundMessage,
    InboundSource,
    InboundStatus,
    Job,
    Mailbox,
    Role,
    Thread,
)


def mail(
    message_id: str,
    subject: str = "Order NW-100231 not arrived",
    sender: str = "jo@example.com",
    extra: str = "",
) -> bytes:
    return (
        f"From: Jo <{sender}>\r\nTo: support@shop.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n{extra}\r\n"
        "Hello, where is my parcel?\r\n"
    ).encode()


def _jobs(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Job)) or 0


def test_customer_mail_is_stored_with_a_triage_job(database: Database) -> None:
    raw = mail("m1@example.com")
    with database.session() as session:
        accepted = accept_raw_message(session, raw=raw, source=InboundSource.FILE)
        assert accepted.is_new
    with database.session() as session:
        message = session.get(InboundMessage, accepted.message.id)
        assert message is not None
        assert message.raw == raw
        assert message.status == InboundStatus.RECEIVED
        assert message.from_address == "jo@example.com"
        assert message.message_id == "<m1@example.com>"
        job = session.scalars(select(Job)).one()
        assert (job.kind, job.inbound_message_id) == (TRIAGE_JOB, message.id)


def test_same_bytes_twice_are_stored_once(database: Database) -> None:
    for _ in range(2):
        with database.session() as session:
            accept_raw_message(session, raw=mail("m1@example.com"), source=InboundSource.FILE)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
    assert _jobs(database) == 1


def test_same_mailbox_uid_is_stored_once(database: Database) -> None:
    with database.session() as session:
        box = Mailbox(name="support")
        session.add(box)
        session.flush()
        key = {"mailbox_id": box.id, "uidvalidity": 7, "uid": 42}
        first = accept_raw_message(session, raw=mail("a@x"), source=InboundSource.IMAP, **key)
        again = accept_raw_message(session, raw=mail("a@x"), source=InboundSource.IMAP, **key)
    assert first.is_new and not again.is_new
    assert again.message.id == first.message.id


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02garbage\xff" * 10, ""),
        (b"To: support@shop.example\r\nSubject: hi\r\n\r\nno sender\r\n", "From"),
    ],
)
def test_unparseable_mail_is_quarantined_with_reason_and_bytes(
    database: Database, raw: bytes, reason: str
) -> None:
    with database.session() as session:
        message = accept_raw_message(session, raw=raw, source=InboundSource.FILE).message
    with database.session() as session:
        stored = session.get(InboundMessage, message.id)
        assert stored is not None
        assert stored.status == InboundStatus.QUARANTINED
        assert stored.raw == raw
        assert stored.status_reason and reason.lower() in stored.status_reason.lower()
    assert _jobs(database) == 0


def test_auto_reply_is_stored_ignored_with_the_reason(database: Database) -> None:
    raw = mail("ooo@example.com", subject="Out of office", extra="Auto-Submitted: auto-replied\r\n")
    with database.session() as session:
        message = accept_raw_message(session, raw=raw, source=InboundSource.FILE).message
        assert message.status == InboundStatus.IGNORED
        assert "auto-replied" in (message.status_reason or "")
    assert _jobs(database) == 0


def test_a_reply_joins_its_thread_and_a_stranger_does_not(database: Database) -> None:
    with database.session() as session:
        first = accept_raw_message(session, raw=mail("t1@x"), source=InboundSource.FILE).message
        reply = accept_raw_message(
            session,
            raw=mail(
                "t2@x", subject="Re: Order NW-100231 not arrived", extra="In-Reply-To: <t1@x>\r\n"
            ),
            source=InboundSource.FILE,
        ).message
        same_subject = accept_raw_message(
            session,
            raw=mail("t3@x", subject="RE: order NW-100231 not arrived"),
            source=InboundSource.FILE,
        ).message
        stranger = accept_raw_message(
            session, raw=mail("t4@x", sender="other@example.org"), source=InboundSource.FILE
        ).message
    assert reply.thread_id == first.thread_id
    assert same_subject.thread_id == first.thread_id
    assert stranger.thread_id != first.thread_id


def test_old_mail_from_a_backfill_threads_by_subject_on_its_own_dates(
    database: Database,
) -> None:
    """The thread's time is its messages' Date, not when it was stored: two mails a day
    apart, stored months later, thread by subject; one sent a month after them does not."""

    def dated(message_id: str, day: str, subject: str) -> bytes:
        return mail(message_id, subject=subject).replace(b"Sun, 22 Nov 2026 10:00:00", day.encode())

    with database.session() as session:
        first, follow_up, much_later = (
            accept_raw_message(session, raw=raw, source=InboundSource.FILE).message
            for raw in (
                dated("b1@x", "Mon, 03 Mar 2025 09:00:00", "Refund for NW-100777"),
                dated("b2@x", "Tue, 04 Mar 2025 09:00:00", "Re: refund for NW-100777"),
                dated("b3@x", "Fri, 04 Apr 2025 09:00:00", "Re: refund for NW-100777"),
            )
        )
        thread = session.get(Thread, first.thread_id)
        assert thread is not None and thread.last_message_at.date().isoformat() == "2025-03-04"
    assert follow_up.thread_id == first.thread_id
    assert much_later.thread_id != first.thread_id


def test_the_nearest_link_decides_the_thread(database: Database) -> None:
    # In-Reply-To names the message answered; an older References entry names another thread.
    with database.session() as session:
        order = accept_raw_message(session, raw=mail("o1@x"), source=InboundSource.FILE).message
        refund = accept_raw_message(
            session,
            raw=mail("r1@x", subject="Refund for NW-100999", sender="jo@example.com"),
            source=InboundSource.FILE,
        ).message
        answer = accept_raw_message(
            session,
            raw=mail(
                "a1@x",
                subject="Thanks",
                extra="In-Reply-To: <r1@x>\r\nReferences: <o1@x> <r1@x>\r\n",
            ),
            source=InboundSource.FILE,
        ).message
    assert order.thread_id != refund.thread_id
    assert answer.thread_id == refund.thread_id


def test_an_answer_to_our_reply_joins_the_thread_by_the_reply_message_id(
    database: Database,
) -> None:
    with database.session() as session:
        first = accept_raw_message(session, raw=mail("q1@x"), source=InboundSource.FILE).message
        reviewer = create_or_reset_user(
            session, username="rita", password="pw-123456", role=Role.REVIEWER
        )
        draft = Draft(inbound_message_id=first.id, subject="Re: Order", body="It left today.")
        session.add(draft)
        session.flush()
        entry = approve_draft(
            session,
            draft=draft,
            approval=Approval.HUMAN,
            approved_by=reviewer.id,
            from_address="support@shop.example",
            hold=timedelta(0),
        )
        # A generic subject and only our reply's Message-ID: no subject fallback could help.
        answer = accept_raw_message(
            session,
            raw=mail("q2@x", subject="thanks", extra=f"In-Reply-To: {entry.message_id}\r\n"),
            source=InboundSource.FILE,
        ).message
        stranger = accept_raw_message(
            session,
            raw=mail("q3@x", subject="thanks", extra="In-Reply-To: <unknown@elsewhere>\r\n"),
            source=InboundSource.FILE,
        ).message
    assert answer.thread_id == first.thread_id
    assert stranger.thread_id != first.thread_id


def _quarantine_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """A parser bug that quarantines good mail (fixed later by undoing the patch)."""

    def broken(raw: bytes, **_: object) -> Quarantined:
        return Quarantined(reason="parser bug", content_sha256=hashlib.sha256(raw).hexdigest())

    monkeypatch.setattr(intake, "parse_message", broken)


def test_reparse_after_a_parser_fix_fills_threads_and_queues_triage(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database.session() as session:
        first = accept_raw_message(session, raw=mail("r1@x"), source=InboundSource.FILE).message
    with monkeypatch.context() as patch:
        _quarantine_everything(patch)
        with database.session() as session:
            raw = mail(
                "r2@x", subject="Re: Order NW-100231 not arrived", extra="In-Reply-To: <r1@x>\r\n"
            )
            stuck = accept_raw_message(session, raw=raw, source=InboundSource.FILE).message
            assert stuck.status == InboundStatus.QUARANTINED and stuck.from_address is None
            assert reparse(session, stuck) == InboundStatus.QUARANTINED  # still broken
    assert _jobs(database) == 1
    with database.session() as session:
        message = session.get(InboundMessage, stuck.id)
        assert message is not None
        assert reparse(session, message) == InboundStatus.RECEIVED
    with database.session() as session:
        message = session.get(InboundMessage, stuck.id)
        assert message is not None and message.status_reason is None
        assert message.from_address == "jo@example.com" and message.message_id == "<r2@x>"
        assert message.thread_id == first.thread_id
        kinds = session.execute(select(Job.kind, Job.inbound_message_id)).all()
        assert sorted(kinds) == sorted([(TRIAGE_JOB, first.id), (TRIAGE_JOB, stuck.id)])


def test_reparse_of_an_auto_reply_ignores_it_without_a_job(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = mail(
        "ooo2@example.com", subject="Out of office", extra="Auto-Submitted: auto-replied\r\n"
    )
    with database.session() as session, monkeypatch.context() as patch:
        _quarantine_everything(patch)
        message = accept_raw_message(session, raw=raw, source=InboundSource.FILE).message
    with database.session() as session:
        stored = session.get(InboundMessage, message.id)
        assert stored is not None
        assert reparse(session, stored) == InboundStatus.IGNORED
        assert "auto-replied" in (stored.status_reason or "")
    assert _jobs(database) == 0


NUL_MAIL = (
    b"From: Jo =?utf-8?q?N=00ul?= <jo@example.com>\r\nTo: support@shop.example\r\n"
    b"Subject: =?utf-8?q?Order=00_NW-100231?=\r\nMessage-ID: <nul@example.com>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\nWhere is=00 my parcel?\r\n"
)
NUL_CORPUS_MAIL = (
    "../shared/data/mail/spamassassin/spam-2/01384.e23f94030a4393f0825eacd9de99eb31.eml"
)


def test_nul_in_parsed_text_is_stripped_so_postgresql_stores_it(database: Database) -> None:
    """Quoted-printable ``=00`` decodes to NUL, which PostgreSQL text refuses (DataError)."""
    with database.session() as session:
        message = accept_raw_message(session, raw=NUL_MAIL, source=InboundSource.FILE).message
    with database.session() as session:
        stored = session.get(InboundMessage, message.id)
        assert stored is not None and stored.status == InboundStatus.RECEIVED
        assert stored.raw == NUL_MAIL  # the bytes as they came, NUL and all
        assert (stored.subject, stored.from_name) == ("Order NW-100231", "Jo Nul")
        assert stored.text_body is not None and "Where is my parcel?" in stored.text_body


def test_the_corpus_message_with_a_nul_in_its_text_is_stored(database: Database) -> None:
    path = Path(NUL_CORPUS_MAIL)
    if not path.exists():
        pytest.skip(f"{path} not present")
    raw = path.read_bytes()
    with database.session() as session:
        message = accept_raw_message(session, raw=raw, source=InboundSource.FILE).message
    with database.session() as session:
        stored = session.get(InboundMessage, message.id)
        assert stored is not None and stored.raw == raw
        assert stored.status != InboundStatus.QUARANTINED, stored.status_reason
        assert "\x00" not in (stored.text_body or "") + (stored.html_body or "")
