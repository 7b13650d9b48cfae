"""Builds the connectors and services a process needs from Settings, in one place."""

from __future__ import annotations

from collections.abc import Callable

from hatchway.config import Settings
from hatchway.connectors.imap import ImapSettings, MailboxClient, connect_with_retry
from hatchway.connectors.smtp import SmtplibMailSender
from hatchway.outbox import OutboxRelay
from hatchway.outbox.sent_folder import ImapSentFolder
from hatchway.store import Database

__all__ = ["build_outbox_relay", "mailbox_connector", "open_database", "sent_mailbox"]


def open_database(settings: Settings) -> Database:
    """The database named by the settings, checked to be reachable."""
    database = Database(
        settings.database_url,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        pool_size=settings.worker.database_pool_size,
    )
    database.check()
    return database


def mailbox_connector(mailbox: ImapSettings) -> Callable[[], MailboxClient]:
    """Opens a connection to ``mailbox``, retrying transient failures (logged)."""
    return lambda: connect_with_retry(mailbox)


def sent_mailbox(settings: Settings) -> ImapSettings | None:
    """The mailbox whose Sent folder holds copies of our replies."""
    if not settings.mailboxes:
        return None
    if settings.sent_mailbox is None:
        return settings.mailboxes[0]
    return next(box for box in settings.mailboxes if box.name == settings.sent_mailbox)


def build_outbox_relay(settings: Settings, database: Database) -> OutboxRelay | None:
    """The outbox relay, or None when no SMTP server is configured (nothing can be sent)."""
    if settings.smtp is None:
        return None
    mailbox = sent_mailbox(settings)
    sent_folder = (
        None if mailbox is None else ImapSentFolder(mailbox_connector(mailbox), mailbox.sent_folder)
    )
    return OutboxRelay(
        database, SmtplibMailSender(settings.smtp), settings.outbox, sent_folder=sent_folder
    )
