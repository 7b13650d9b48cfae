"""Login rate limiting: too many recent failures for an account or a client address → 429.

Attempts are rows in ``login_attempts``, so the limit holds across processes and restarts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hatchway.store.models import LoginAttempt
from hatchway.ui.settings import UiSettings

__all__ = ["login_refusal", "record_attempt"]


def login_refusal(
    session: Session, *, username: str, client_address: str, settings: UiSettings, now: datetime
) -> str | None:
    """Why this attempt is refused before checking the password, or None to go ahead."""
    since = now - timedelta(minutes=settings.login_window_minutes)
    minutes = f"{settings.login_window_minutes:g} minutes"
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)
        )
    )
    user_since = max(since, last_success) if last_success is not None else since
    if _failures(session, LoginAttempt.username == username, user_since) >= (
        settings.login_failures_per_user
    ):
        return (
            f"Too many failed sign-ins for this account. Wait {minutes} and try again, "
            "or ask an admin to reset the password."
        )
    by_address = _failures(session, LoginAttempt.client_address == client_address, since)
    if by_address >= settings.login_failures_per_address:
        return f"Too many failed sign-ins from your network address. Wait {minutes}."
    return None


def record_attempt(
    session: Session, *, username: str, client_address: str, succeeded: bool, now: datetime
) -> None:
    """Remember one attempt (failures count towards the limits)."""
    session.add(
        LoginAttempt(at=now, username=username, client_address=client_address, succeeded=succeeded)
    )


def _failures(session: Session, who: object, since: datetime) -> int:
    query = select(func.count()).where(
        who,  # type: ignore[arg-type]
        LoginAttempt.succeeded.is_(False),
        LoginAttempt.at > since,
    )
    return session.scalar(query) or 0
