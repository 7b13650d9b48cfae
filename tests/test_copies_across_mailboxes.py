"""One email sent to two of our addresses is answered once (the copy is stored, and ignored).

Each delivery adds its own headers, so the two copies differ in bytes but share the
Message-ID, the sender and the subject. Both are kept (I1); only the first parsed is triaged.
"""

from __future__ import annotations

from sqlalchemy import select

from hatchway.intake import TRIAGE_JOB, parse_for_triage
from hatchway.raw_store import FetchedRaw, store_fetched
from hatchway.store import Database
from hatchway.store.models import InboundMessage, InboundStatus, Job, Mailbox


def _delivery(to: str, *, sender: str = "mia@example.com", message_id: str = "<m1@example.com>",
              subject: str = "Where is my order NW-100231?") -> bytes:  # fmt: skip
    return (
        f"Delivered-To: {to}\r\nFrom: Mia <{sender}>\r\nTo: support@shop.example, "
        f"sales@shop.example\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
        "Date: Mon, 23 Nov 2026 08:00:00 +0000\r\n\r\nHello, where is it?\r\n"
    ).encode()


def _store(database: Database, box: str, raw: bytes, uid: int) -> int:
    with database.session() as session:
        mailbox = session.scalar(select(Mailbox).where(Mailbox.name == box))
        if mailbox is None:
            mailbox = Mailbox(name=box)
            session.add(mailbox)
            session.flush()
        store_fetched(
            session, mailbox_id=mailbox.id, uidvalidity=1, messages=[FetchedRaw(uid, raw)]
        )
        found = session.scalar(
            select(InboundMessage.id).where(
                InboundMessage.mailbox_id == mailbox.id, InboundMessage.uid == uid
            )
        )
        assert found is not None
        return found


def _status(database: Database, message_id: int) -> tuple[InboundStatus, str | None]:
    with database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None
        return InboundStatus(message.status), message.status_reason


def test_the_second_copy_is_kept_and_ignored_with_the_reason(database: Database) -> None:
    first = _store(database, "support", _delivery("support@shop.example"), 1)
    second = _store(database, "sales", _delivery("sales@shop.example"), 1)
    with database.session() as session:  # both stored, each with its triage job (I1)
        jobs = session.scalars(select(Job.inbound_message_id).where(Job.kind == TRIAGE_JOB))
        assert sorted(jobs) == [first, second]
    assert parse_for_triage(database, first) == InboundStatus.RECEIVED
    assert parse_for_triage(database, second) == InboundStatus.IGNORED
    status, reason = _status(database, second)
    assert status == InboundStatus.IGNORED
    assert reason is not None and f"a copy of message {first}" in reason
    assert "<m1@example.com>" in reason
    assert _status(database, first) == (InboundStatus.RECEIVED, None)


def test_same_message_id_from_another_sender_or_subject_is_not_a_copy(
    database: Database,
) -> None:
    first = _store(database, "support", _delivery("support@shop.example"), 1)
    other_sender = _store(
        database, "sales", _delivery("sales@shop.example", sender="eve@example.org"), 1
    )
    other_subject = _store(
        database, "sales", _delivery("sales@shop.example", subject="Refund please"), 2
    )
    for message_id in (first, other_sender, other_subject):
        assert parse_for_triage(database, message_id) == InboundStatus.RECEIVED


def test_a_second_delivery_to_the_same_mailbox_is_not_taken_for_a_copy(
    database: Database,
) -> None:
    # Same mailbox, another UID: not a second address (a resend; threading shows both).
    first = _store(database, "support", _delivery("support@shop.example"), 1)
    again = _store(database, "support", _delivery("support@shop.example") + b"\r\n", 2)
    assert parse_for_triage(database, first) == InboundStatus.RECEIVED
    assert parse_for_triage(database, again) == InboundStatus.RECEIVED
