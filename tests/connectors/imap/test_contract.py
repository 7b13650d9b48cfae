"""One contract for every MailboxClient: the in-memory fake and imapclient over a real Dovecot."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from hatchway.connectors.imap import MailboxClient, connect_with_retry
from hatchway.errors import AuthError, ProtocolError, TransientError
from tests.connectors.imap.conftest import Backend, changed


def message(n: int, message_id: str | None = None) -> bytes:
    """A small RFC 5322 message with CRLF line ends (what IMAP servers hand back)."""
    mid = message_id or f"<m{n}-{time.monotonic_ns()}@customer.example>"
    return (
        f"From: Customer {n} <c{n}@customer.example>\r\n"
        f"To: support@shop.example\r\n"
        f"Subject: Order question {n}\r\n"
        f"Message-ID: {mid}\r\n"
        f"Date: Mon, 06 Jan 2025 10:00:00 +0000\r\n"
        f"\r\n"
        f"Where is my order {n}? \xe2\x82\xac\r\n".encode("latin-1")
    )


def test_select_gives_uidvalidity_uidnext_and_count(backend: Backend, box: MailboxClient) -> None:
    empty = box.select("INBOX")
    assert (empty.exists, empty.uidvalidity > 0, empty.uidnext >= 1) == (0, True, True)
    backend.deliver(message(1), "INBOX")
    backend.deliver(message(2), "INBOX")
    state = box.select("INBOX")
    assert state.uidvalidity == empty.uidvalidity
    assert (state.exists, state.uidnext) == (2, empty.uidnext + 2)


def test_select_missing_folder_is_a_protocol_error(box: MailboxClient) -> None:
    with pytest.raises(ProtocolError):
        box.select("No Such Folder")


def test_uids_above_filters_the_star_edge_case(backend: Backend, box: MailboxClient) -> None:
    for n in range(3):
        backend.deliver(message(n), "INBOX")
    box.select("INBOX")
    uids = box.uids_above(0)
    assert len(uids) == 3 and uids == sorted(uids)
    assert box.uids_above(uids[0]) == uids[1:]
    # "UID SEARCH UID n+1:*" matches the highest message even when n+1 is above it.
    assert box.uids_above(uids[-1]) == []
    assert box.uids_above(uids[-1] + 100) == []


def test_fetch_returns_exact_bytes_and_never_sets_seen(
    backend: Backend, box: MailboxClient
) -> None:
    raw = message(1)
    backend.deliver(raw, "INBOX")
    box.select("INBOX")
    [fetched] = box.fetch(box.uids_above(0))
    assert fetched.raw == raw
    assert "\\Seen" not in fetched.flags
    assert fetched.internal_date is not None
    with backend.connect() as other:  # the server's view, not this connection's cache
        other.select("INBOX")
        assert "\\Seen" not in other.fetch([fetched.uid])[0].flags


def test_fetch_200_messages_in_chunks(backend: Backend) -> None:
    with backend.connect(fetch_chunk_size=50) as box:
        sent = [message(n) for n in range(200)]
        for raw in sent:
            box.append("INBOX", raw)
        box.select("INBOX")
        uids = box.uids_above(0)
        fetched = box.fetch(reversed(uids))
    assert [m.uid for m in fetched] == uids
    assert [m.raw for m in fetched] == sent


def test_fetch_skips_unknown_uids(backend: Backend, box: MailboxClient) -> None:
    backend.deliver(message(1), "INBOX")
    box.select("INBOX")
    [uid] = box.uids_above(0)
    assert [m.uid for m in box.fetch([uid, uid + 50])] == [uid]
    assert box.fetch([]) == []


def test_add_flags(backend: Backend, box: MailboxClient) -> None:
    backend.deliver(message(1), "INBOX")
    box.select("INBOX")
    [uid] = box.uids_above(0)
    box.add_flags([uid], ["\\Seen", "$Hatchway"])
    assert {"\\Seen", "$Hatchway"} <= box.fetch([uid])[0].flags


def test_append_returns_uid_findable_by_message_id(backend: Backend, box: MailboxClient) -> None:
    backend.deliver(message(1), "INBOX")
    box.select("INBOX")
    inbox_uids = box.uids_above(0)
    mid = "<reply-42@hatchway.example>"
    uid = box.append(backend.settings.sent_folder, message(2, mid), ["\\Seen"])
    assert isinstance(uid, int)
    assert box.find_by_message_id(backend.settings.sent_folder, mid) == [uid]
    assert box.find_by_message_id(backend.settings.sent_folder, "<nope@x.example>") == []
    assert box.uids_above(0) == inbox_uids  # the INBOX selection survived the search


def test_uidvalidity_change_is_visible(backend: Backend) -> None:
    raws = [message(1), message(2)]
    for raw in raws:
        backend.deliver(raw, "INBOX")
    with backend.connect() as box:
        before = box.select("INBOX")
    backend.reset_uidvalidity("INBOX")
    with backend.connect() as box:
        after = box.select("INBOX")
        fetched = box.fetch(box.uids_above(0))
    assert after.uidvalidity != before.uidvalidity
    assert after.exists == before.exists == 2
    assert [m.raw for m in fetched] == raws


def test_idle_wakes_on_delivery_from_another_connection(
    backend: Backend, box: MailboxClient
) -> None:
    box.select("INBOX")
    assert box.supports_idle()
    timer = threading.Timer(0.5, backend.deliver, (message(1), "INBOX"))
    started = time.monotonic()
    timer.start()
    try:
        assert box.wait_for_new_mail(20) is True
    finally:
        timer.join()
    assert time.monotonic() - started < 15
    assert len(box.uids_above(0)) == 1


def test_idle_times_out_without_mail(box: MailboxClient) -> None:
    box.select("INBOX")
    started = time.monotonic()
    assert box.wait_for_new_mail(1.0) is False
    assert 0.9 <= time.monotonic() - started < 5


def test_mail_announced_before_waiting_is_not_lost(backend: Backend, box: MailboxClient) -> None:
    box.select("INBOX")
    backend.deliver(message(1), "INBOX")
    box.uids_above(0)  # the server announces the new message here, not during IDLE
    started = time.monotonic()
    assert box.wait_for_new_mail(10) is True
    assert time.monotonic() - started < 5


def test_mail_arriving_just_before_idle_wakes_it_at_once(
    backend: Backend, box: MailboxClient
) -> None:
    # Dovecot announces it with its "+ idling", often in one packet: a reader that only
    # polls the socket would sleep through it until the IDLE times out.
    box.select("INBOX")
    for n in range(3):
        box.uids_above(0)
        backend.deliver(message(n), "INBOX")
        started = time.monotonic()
        assert box.wait_for_new_mail(20) is True
        assert time.monotonic() - started < 5, f"delivery {n} woke IDLE only at its timeout"


def test_one_wait_never_idles_past_the_idle_timeout(backend: Backend) -> None:
    # Callers loop; each IDLE ends within idle_timeout (< 29 minutes, RFC 2177) and is renewed.
    with backend.connect(idle_timeout=1.0) as box:
        box.select("INBOX")
        started = time.monotonic()
        assert box.wait_for_new_mail(60) is False
        assert 0.9 <= time.monotonic() - started < 5


def test_wrong_password_is_an_auth_error_and_not_retried(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = changed(backend.settings, password="wrong")
    with pytest.raises(AuthError):
        backend.connect_with(wrong)
    with caplog.at_level(logging.WARNING), pytest.raises(AuthError):
        connect_with_retry(wrong, attempts=3, initial_wait=0.01, connect=backend.connect_with)
    assert [r for r in caplog.records if "retrying" in r.getMessage()] == []


def test_unreachable_server_is_transient_after_bounded_retries(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    settings = backend.make_unreachable()
    with caplog.at_level(logging.WARNING), pytest.raises(TransientError):
        connect_with_retry(
            settings, attempts=3, initial_wait=0.01, max_wait=0.05, connect=backend.connect_with
        )
    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 2  # three attempts: two sleeps between them
    assert all(settings.name in line and "attempt" in line for line in retries)
    assert all("Connection" in line for line in retries)  # the error itself is logged
