"""What only the in-memory fake offers, and its public surface."""

from __future__ import annotations

import pytest

import hatchway.connectors.imap as imap
from hatchway.connectors.imap import InMemoryAccount, InMemoryMailbox
from hatchway.errors import ProtocolError

RAW = b"Subject: hi\r\nMessage-ID: <a@b.example>\r\n\r\nhello\r\n"


def test_public_api_is_pinned() -> None:
    assert sorted(imap.__all__) == [
        "FetchedMessage",
        "FolderState",
        "ImapClientMailbox",
        "ImapSecurity",
        "ImapSettings",
        "InMemoryAccount",
        "InMemoryMailbox",
        "MailboxClient",
        "connect_with_retry",
        "make_ssl_context",
    ]


def test_standalone_mailbox_deliver_and_reset_renumber() -> None:
    box = InMemoryMailbox()
    box.deliver("INBOX", RAW)
    box.deliver("INBOX", RAW)
    before = box.select("INBOX")
    box.uids_above(0)
    box.select("INBOX")
    box.reset_uidvalidity("INBOX")
    after = box.select("INBOX")
    assert after.uidvalidity != before.uidvalidity
    assert box.uids_above(0) == [1, 2] and after.uidnext == 3


def test_append_without_uidplus_returns_none() -> None:
    box = InMemoryMailbox(InMemoryAccount(uidplus=False))
    assert box.append("Sent", RAW) is None
    assert len(box.find_by_message_id("Sent", "<a@b.example>")) == 1


def test_closed_connection_refuses_work() -> None:
    with InMemoryMailbox() as box:
        box.select("INBOX")
    with pytest.raises(ProtocolError):
        box.uids_above(0)
