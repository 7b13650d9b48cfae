"""The outbox against real servers: aiosmtpd receives the reply, Dovecot holds the Sent copy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from hatchway.connectors.imap import connect_with_retry
from hatchway.connectors.smtp import SmtplibMailSender, SmtpSettings
from hatchway.outbox import OutboxRelay, OutboxSettings
from hatchway.outbox.sent_folder import ImapSentFolder
from hatchway.store.models import OutboxEntry, OutboxState, utcnow
from tests.outbox.conftest import SHOP, Scene

pytestmark = [pytest.mark.smtp, pytest.mark.imap]


@pytest.fixture
def real_sent_folder(dovecot: object) -> ImapSentFolder:
    user = dovecot.new_user()  # type: ignore[attr-defined]
    dovecot.create_folder(user, "Sent")  # type: ignore[attr-defined]
    settings = dovecot.settings(user)  # type: ignore[attr-defined]
    return ImapSentFolder(lambda: connect_with_retry(settings, attempts=2), "Sent")


@pytest.fixture
def real_sender(smtp_inbox: object) -> SmtplibMailSender:
    port = smtp_inbox.port  # type: ignore[attr-defined]
    return SmtplibMailSender(
        SmtpSettings(host="127.0.0.1", port=port, security="none", from_address=SHOP)
    )


def test_reply_reaches_the_smtp_server_and_the_sent_folder(
    scene: Scene,
    real_sender: SmtplibMailSender,
    real_sent_folder: ImapSentFolder,
    smtp_inbox: object,
    outbox_settings: OutboxSettings,
) -> None:
    entry = scene.approve()
    relay = OutboxRelay(scene.database, real_sender, outbox_settings, sent_folder=real_sent_folder)
    assert relay.relay_once().sent == 1
    [captured] = smtp_inbox.wait_for(1)  # type: ignore[attr-defined]
    assert captured.message["Message-ID"] == entry.message_id
    assert captured.message["In-Reply-To"] == "<q1@example.com>"
    assert "your parcel left our warehouse" in captured.message.get_content()
    assert real_sent_folder.contains(entry.message_id)


def test_after_a_crash_the_real_sent_folder_prevents_a_second_send(
    scene: Scene,
    real_sender: SmtplibMailSender,
    real_sent_folder: ImapSentFolder,
    smtp_inbox: object,
    outbox_settings: OutboxSettings,
) -> None:
    entry = scene.approve()
    relay = OutboxRelay(scene.database, real_sender, outbox_settings, sent_folder=real_sent_folder)
    relay.relay_once()
    # The worker "died" after sending and filing but before recording: rewind the record.
    with scene.database.session() as session:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id == entry.id)
            .values(
                state=OutboxState.SENDING,
                handoff_at=utcnow(),
                lease_expires_at=utcnow() - timedelta(seconds=1),
            )
        )
    result = relay.relay_once()
    assert (result.recovered, result.sent) == (1, 0)
    assert len(smtp_inbox.messages()) == 1  # type: ignore[attr-defined]
