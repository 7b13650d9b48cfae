"""The one exception tree of hatchway.

```
HatchwayError
├── ConfigError            the operator's mistake; the message says the key and the fix
├── DatabaseError          the database is missing, unreachable or not migrated
└── ConnectorError         a runtime failure talking to the outside world
    ├── TransientError     worth retrying (network, 4xx SMTP, 429/5xx HTTP); may carry retry_after
    ├── AuthError          credentials refused; retrying will not help
    └── ProtocolError      the peer answered something we cannot use
```

Errors carry structured fields (``key``, ``url``, ``connector``...) as well as a
message, so the UI, the logs and the JSON API can show them without parsing text.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "ConfigError",
    "ConnectorError",
    "DatabaseError",
    "HatchwayError",
    "ProtocolError",
    "TransientError",
    "is_transient",
]


class HatchwayError(Exception):
    """Root of every error hatchway raises on purpose."""


class ConfigError(HatchwayError):
    """A setting is missing or wrong. ``key`` names it; ``fix`` says what to do."""

    def __init__(self, key: str, problem: str, fix: str) -> None:
        self.key = key
        self.problem = problem
        self.fix = fix
        super().__init__(f"{key}: {problem}. Fix: {fix}")


class DatabaseError(HatchwayError):
    """The database cannot be used. ``url`` is shown with its password hidden."""

    def __init__(self, url: str, problem: str, fix: str) -> None:
        self.url = url
        self.problem = problem
        self.fix = fix
        super().__init__(f"database {url}: {problem}. Fix: {fix}")


class ConnectorError(HatchwayError):
    """A connector (IMAP, SMTP, CRM, inventory, model provider) failed at run time."""

    def __init__(self, connector: str, message: str) -> None:
        self.connector = connector
        super().__init__(f"{connector}: {message}")


class TransientError(ConnectorError):
    """A failure that may go away: retry with backoff, honouring ``retry_after`` seconds."""

    def __init__(self, connector: str, message: str, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(connector, message)


class AuthError(ConnectorError):
    """The peer refused our credentials; an operator has to act."""


class ProtocolError(ConnectorError):
    """The peer answered something we cannot use; retrying the same request will not help."""


def is_transient(exc: BaseException) -> bool:
    """The retry classifier: retry only what may go away by itself."""
    return isinstance(exc, TransientError)
