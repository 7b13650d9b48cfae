"""ImapSettings validation: one credential, a safe IDLE bound, ports that match the transport."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from hatchway.connectors.imap import ImapSettings

BASE: dict[str, Any] = {"name": "support", "host": "imap.example.com", "username": "support"}


@pytest.mark.parametrize(
    ("credentials", "word"),
    [({}, "neither"), ({"password": "p", "oauth2_token": "t"}, "both")],
)
def test_exactly_one_credential(credentials: dict[str, str], word: str) -> None:
    with pytest.raises(ValidationError, match=f"exactly one of password or oauth2_token.*{word}"):
        ImapSettings(**BASE, **credentials)


def test_defaults() -> None:
    settings = ImapSettings(**BASE, password="p")
    assert (settings.port, settings.security, settings.folder, settings.sent_folder) == (
        993,
        "tls",
        "INBOX",
        "Sent",
    )
    assert (settings.fetch_chunk_size, settings.idle_timeout) == (200, 25 * 60)


@pytest.mark.parametrize("security", ["starttls", "none"])
def test_port_follows_security_unless_given(security: str) -> None:
    assert ImapSettings(**BASE, password="p", security=security).port == 143
    assert ImapSettings(**BASE, password="p", security=security, port=1143).port == 1143


def test_idle_timeout_stays_under_29_minutes() -> None:
    with pytest.raises(ValidationError, match="idle_timeout"):
        ImapSettings(**BASE, password="p", idle_timeout=29 * 60)


def test_secrets_stay_hidden() -> None:
    settings = ImapSettings(**BASE, oauth2_token="very-secret-token")
    assert "very-secret-token" not in repr(settings)
