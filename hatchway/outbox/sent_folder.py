"""The Sent folder: where a copy of each reply is filed, and the evidence after a crash."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from hatchway.connectors.imap import MailboxClient

__all__ = ["ImapSentFolder", "SentFolder"]


class SentFolder(Protocol):
    """Look up and file sent messages by Message-ID."""

    def contains(self, message_id: str) -> bool:
        """True when a message with this Message-ID is in the Sent folder."""
        ...

    def append(self, raw: bytes) -> None:
        """File a copy of a sent message (marked \\Seen)."""
        ...


class ImapSentFolder:
    """The Sent folder of an IMAP account; one short connection per call."""

    def __init__(self, connect: Callable[[], MailboxClient], folder: str) -> None:
        self._connect = connect
        self.folder = folder

    def contains(self, message_id: str) -> bool:
        """Search the folder's Message-ID headers."""
        with self._connect() as client:
            return bool(client.find_by_message_id(self.folder, message_id))

    def append(self, raw: bytes) -> None:
        """APPEND the message with the \\Seen flag."""
        with self._connect() as client:
            client.append(self.folder, raw, flags=("\\Seen",))
