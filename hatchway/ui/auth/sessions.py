"""Server-side sign-in sessions: started on login, checked and touched per request, ended.

The browser holds a random token; the ``ui_sessions`` row is keyed by its HMAC, so a copy
of the database does not let anyone sign in. Every login makes a new token (no fixation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hatchway.store.models import Role, UiSession, User
from hatchway.ui.auth.tokens import new_token, token_hash
from hatchway.ui.settings import UiSettings

__all__ = [
    "SIGN_IN_REASONS",
    "SessionEnded",
    "SignedIn",
    "end_session",
    "resolve_session",
    "start_session",
]

# Why someone is on the login page: a fixed key in the URL, never free text from it.
SIGN_IN_REASONS = {
    "signin": "Please sign in.",
    "inactive": "Your account is not active.",
    "expired": "Your session reached its maximum length; please sign in again.",
    "idle": "You were signed out after a period of inactivity.",
    "signed-out": "You are signed out.",
}


@dataclass(frozen=True)
class SignedIn:
    """The person behind a request, detached from any database session."""

    user_id: int
    username: str
    display_name: str
    role: Role
    csrf_token: str
    session_hash: str


class SessionEnded(Exception):
    """No live session for the cookie; ``reason`` is a key of :data:`SIGN_IN_REASONS`."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def start_session(
    session: Session,
    *,
    user: User,
    secret_key: str,
    now: datetime,
    client_address: str | None,
    user_agent: str | None,
) -> str:
    """Store a new session for ``user``; returns the token for the cookie."""
    token = new_token()
    session.add(
        UiSession(
            token_hash=token_hash(secret_key, token),
            user_id=user.id,
            csrf_token=new_token(),
            created_at=now,
            last_seen_at=now,
            client_address=client_address,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    user.last_login_at = now
    session.flush()
    return token


def resolve_session(
    session: Session, *, token: str, secret_key: str, settings: UiSettings, now: datetime
) -> SignedIn:
    """The signed-in user for ``token``; raises SessionEnded when it is unknown or timed out."""
    hashed = token_hash(secret_key, token)
    found = session.execute(
        select(UiSession, User)
        .join(User, User.id == UiSession.user_id)
        .where(UiSession.token_hash == hashed)
    ).first()
    if found is None:
        raise SessionEnded("signin")
    row, user = found
    if not user.active:
        session.delete(row)
        raise SessionEnded("inactive")
    if now - row.created_at > timedelta(hours=settings.session_absolute_hours):
        session.delete(row)
        raise SessionEnded("expired")
    if now - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        session.delete(row)
        raise SessionEnded("idle")
    if now - row.last_seen_at >= timedelta(seconds=settings.session_touch_seconds):
        row.last_seen_at = now
    return SignedIn(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        csrf_token=row.csrf_token,
        session_hash=hashed,
    )


def end_session(session: Session, *, session_hash: str) -> None:
    """Forget the session (sign-out)."""
    session.execute(delete(UiSession).where(UiSession.token_hash == session_hash))
