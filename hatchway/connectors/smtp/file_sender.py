"""A MailSender that writes each message to a folder instead of an SMTP server (demo, dry runs)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

from hatchway.connectors.smtp.protocol import SendReceipt, SmtpReply
from hatchway.mail.compose import message_bytes

__all__ = ["FolderMailSender"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]")


class FolderMailSender:
    """Writes ``<Message-ID>.eml`` into ``folder``; nothing leaves the machine."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> SendReceipt:
        """Store the message; the receipt looks like a server's 250."""
        message_id = str(message["Message-ID"] or "").strip()
        if not message_id:
            raise ValueError("message has no Message-ID")
        self.folder.mkdir(parents=True, exist_ok=True)
        name = _UNSAFE.sub("_", message_id.strip("<>")) + ".eml"
        (self.folder / name).write_bytes(message_bytes(message))
        recipients = tuple(str(a) for a in message.get_all("To", []) + message.get_all("Cc", []))
        return SendReceipt(message_id, recipients, (), SmtpReply(250, f"written to {name}"))
