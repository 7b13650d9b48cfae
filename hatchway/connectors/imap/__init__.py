"""IMAP: the ``MailboxClient`` contract, its imapclient adapter, an in-memory fake, settings."""

from hatchway.connectors.imap.fake import InMemoryAccount, InMemoryMailbox
from hatchway.connectors.imap.imapclient_mailbox import ImapClientMailbox, make_ssl_context
from hatchway.connectors.imap.protocol import FetchedMessage, FolderState, MailboxClient
from hatchway.connectors.imap.retry import connect_with_retry
from hatchway.connectors.imap.settings import ImapSecurity, ImapSettings

__all__ = [
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
