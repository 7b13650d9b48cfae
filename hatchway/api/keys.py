"""API keys: made once and shown once, stored as a hash, looked up by a public prefix.

A key reads ``hw_<prefix>_<secret>``. The prefix is public (listings, logs) and finds the
row; the secret is 256 random bits of which only the SHA-256 is kept. A fast unsalted hash
is enough here, unlike for passwords: nobody can guess or brute-force a 256-bit random
secret, so a slow KDF would only add latency to every request without adding safety.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.errors import HatchwayError
from hatchway.store.models import ApiKey, Role, utcnow

__all__ = [
    "ApiKeyRefused",
    "AuthenticatedKey",
    "NewApiKey",
    "authenticate",
    "create_api_key",
    "list_api_keys",
    "revoke_api_key",
]

KEY_MARK = "hw"
# last_used_at is refreshed at most this often: a write per request would serialise readers.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyRefused(HatchwayError):
    """The presented key is malformed, unknown, revoked or does not match."""


@dataclass(frozen=True)
class NewApiKey:
    """A freshly made key: ``token`` is the only time the full secret exists."""

    id: int
    name: str
    role: Role
    prefix: str
    token: str


@dataclass(frozen=True)
class AuthenticatedKey:
    """Who is calling the API: the key's id, name, prefix and role."""

    id: int
    name: str
    prefix: str
    role: Role

    @property
    def actor_name(self) -> str:
        """The name audit events give this key."""
        return f"api-key:{self.name} ({self.prefix})"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(session: Session, *, name: str, role: Role, created_by: str) -> NewApiKey:
    """Make a key; the returned token is not stored anywhere and cannot be shown again."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)  # 32 bytes = 256 bits
    key = ApiKey(
        name=name, role=role, prefix=prefix, secret_sha256=_digest(secret), created_by=created_by
    )
    session.add(key)
    session.flush()
    return NewApiKey(key.id, name, role, prefix, f"{KEY_MARK}_{prefix}_{secret}")


def list_api_keys(session: Session) -> list[ApiKey]:
    """Every key, revoked ones included, oldest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_api_key(session: Session, *, prefix: str, now: datetime | None = None) -> ApiKey:
    """Revoke the key with ``prefix`` (revoking twice keeps the first date)."""
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None:
        raise ApiKeyRefused(f"no API key with prefix {prefix!r}")
    if key.revoked_at is None:
        key.revoked_at = now or utcnow()
    return key


def authenticate(session: Session, token: str, *, now: datetime | None = None) -> AuthenticatedKey:
    """The live key ``token`` belongs to; :class:`ApiKeyRefused` otherwise."""
    mark, _, rest = token.partition("_")
    prefix, _, secret = rest.partition("_")
    if mark != KEY_MARK or not prefix or not secret:
        raise ApiKeyRefused("malformed API key")
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    # Compare in constant time so timing tells nothing about the stored hash.
    if key is None or not hmac.compare_digest(key.secret_sha256, _digest(secret)):
        raise ApiKeyRefused("unknown API key")
    if key.revoked_at is not None:
        raise ApiKeyRefused("revoked API key")
    now = now or utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now
    return AuthenticatedKey(key.id, key.name, key.prefix, key.role)
