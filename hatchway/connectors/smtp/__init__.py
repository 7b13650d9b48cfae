"""The SMTP connector: send finished replies, with errors mapped to the hatchway tree.

``MailSender`` is the interface; ``SmtplibMailSender`` the real adapter;
``InMemoryMailSender`` the fake for unit tests. The error contract is documented in
:mod:`hatchway.connectors.smtp.protocol`.
"""

from __future__ import annotations

from .errors import SendOutcomeUnknown, SendRejected, SmtpAuthError, SmtpTransientError
from .fake import InMemoryMailSender, SentMessage
from .protocol import MailSender, RefusedRecipient, SendReceipt, SmtpReply
from .settings import SmtpSecurity, SmtpSettings
from .smtplib_sender import SmtplibMailSender, tls_context

__all__ = [
    "InMemoryMailSender",
    "MailSender",
    "RefusedRecipient",
    "SendOutcomeUnknown",
    "SendReceipt",
    "SendRejected",
    "SentMessage",
    "SmtpAuthError",
    "SmtpReply",
    "SmtpSecurity",
    "SmtpSettings",
    "SmtpTransientError",
    "SmtplibMailSender",
    "tls_context",
]
