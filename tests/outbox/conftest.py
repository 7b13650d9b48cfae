"""Outbox fixtures: a stored inbound message with a draft, a reviewer, fake or real servers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from hatchway.accounts import create_or_reset_user
from hatchway.connectors.imap import ImapSettings, InMemoryAccount
from hatchway.connectors.smtp import InMemoryMailSender
from hatchway.intake import accept_raw_message
from hatchway.outbox import OutboxSettings, approve_draft
from hatchway.outbox.sent_folder import ImapSentFolder
from hatchway.store import Database
from hatchway.store.models import Approval, Draft, InboundSource, OutboxEntry, Role

SHOP = "support@shop.example"
INBOUND = (
    b"From: Jo Bloggs <jo@example.com>\r\nTo: support@shop.example\r\n"
    b"Subject: Where is order NW-100231?\r\nMessage-ID: <q1@example.com>\r\n"
    b"References: <root@example.com>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\n"
    b"Hello, where is my parcel?\r\n"
)
NOW = timedelta(0)


@dataclass
class Scene:
    """One inbound message, its draft and a reviewer, in a migrated database."""

    database: Database
    draft_id: int
    inbound_id: int
    reviewer_id: int

    def approve(self, hold: timedelta = NOW, **kwargs: object) -> OutboxEntry:
        with self.database.session() as session:
            draft = session.get(Draft, self.draft_id)
            assert draft is not None
            options: dict[str, object] = {
                "approval": Approval.HUMAN,
                "approved_by": self.reviewer_id,
            }
            options.update(kwargs)
            return approve_draft(
                session,
                draft=draft,
                from_address=SHOP,
                hold=hold,
                **options,  # type: ignore[arg-type]
            )


@pytest.fixture
def scene(database: Database) -> Scene:
    with database.session() as session:
        inbound = accept_raw_message(session, raw=INBOUND, source=InboundSource.FILE).message
        draft = Draft(
            inbound_message_id=inbound.id,
            category="order_status",
            subject="Re: Where is order NW-100231?",
            body="Hello Jo,\n\nyour parcel left our warehouse today.\n\nNorthwind",
        )
        session.add(draft)
        reviewer = create_or_reset_user(
            session, username="rita", password="pw-123456", role=Role.REVIEWER
        )
        session.flush()
        return Scene(database, draft.id, inbound.id, reviewer.id)


@pytest.fixture
def sender() -> InMemoryMailSender:
    return InMemoryMailSender(mail_from=SHOP)


@pytest.fixture
def imap_account() -> InMemoryAccount:
    return InMemoryAccount()


@pytest.fixture
def sent_folder(imap_account: InMemoryAccount) -> ImapSentFolder:
    settings = ImapSettings(name="support", host="fake", username="user", password="secret")
    return ImapSentFolder(lambda: imap_account.connect(settings), "Sent")


@pytest.fixture
def outbox_settings() -> OutboxSettings:
    return OutboxSettings(retry_base_seconds=0.01, max_attempts=3, lease_seconds=60)
