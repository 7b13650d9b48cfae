"""Webhook fixtures: a live receiver, endpoint settings pointing at it, a stored message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from hatchway.accounts import create_or_reset_user
from hatchway.intake import accept_raw_message
from hatchway.store import Database
from hatchway.store.models import Draft, InboundSource, Role
from hatchway.webhooks import WebhookSettings
from tests.webhooks._receiver import Receiver, start_receiver

SECRET = "whsec-test-0123456789abcdef"
CUSTOMER = "emma.hughes@mailbox.example"  # a customer of the demo shop (examples/demo)
INBOUND = (
    f"From: Emma Hughes <{CUSTOMER}>\r\nTo: support@shop.example\r\n"
    "Subject: Where is order NW-100231?\r\nMessage-ID: <w1@mailbox.example>\r\n"
    "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\nHello, where is my parcel?\r\n"
).encode()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = start_receiver()
    yield server
    server.stop()


@pytest.fixture
def endpoint(receiver: Receiver) -> WebhookSettings:
    """The receiver as a configured endpoint, with quick retries for tests."""
    return WebhookSettings.model_validate(
        {
            "url": receiver.url,
            "secret": SecretStr(SECRET),
            "timeout_seconds": 0.5,
            "max_attempts": 3,
            "retry_initial_seconds": 0.01,
            "retry_max_seconds": 0.05,
        }
    )


@pytest.fixture
def stored_draft(database: Database) -> tuple[int, int, int]:
    """(inbound message id, draft id, reviewer id) of a customer's email with a draft."""
    with database.session() as session:
        inbound = accept_raw_message(session, raw=INBOUND, source=InboundSource.FILE).message
        inbound.category = "order_status"
        draft = Draft(
            inbound_message_id=inbound.id,
            category="order_status",
            subject="Re: Where is order NW-100231?",
            body="Hello Emma,\n\nyour parcel left our warehouse today.\n\nNorthwind",
        )
        session.add(draft)
        reviewer = create_or_reset_user(
            session, username="rita", password="pw-123456", role=Role.REVIEWER
        )
        session.flush()
        return inbound.id, draft.id, reviewer.id
