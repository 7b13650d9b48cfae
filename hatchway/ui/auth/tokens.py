"""Random tokens and their keyed hashes: the cookie carries a token, the database its hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["new_token", "token_hash", "tokens_equal"]


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(secret_key: str, token: str) -> str:
    """HMAC-SHA256 of ``token`` under the app's secret key, as 64 hex characters."""
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def tokens_equal(expected: str, given: str | None) -> bool:
    """Constant-time comparison; a missing token never matches."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
