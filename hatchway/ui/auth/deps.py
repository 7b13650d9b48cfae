"""Who is asking, and may they: ``CurrentUser``, ``require_role(...)``, ``CsrfChecked``.

Unauthenticated requests raise :class:`NotSignedIn`; the app turns it into a redirect to
/login for pages and a 401 JSON answer for /api. A missing or wrong CSRF token is a 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from hatchway.store import Database
from hatchway.store.models import ROLE_RANK, Role
from hatchway.ui.auth.sessions import SessionEnded, SignedIn, resolve_session
from hatchway.ui.auth.tokens import tokens_equal
from hatchway.ui.deps import ClockDep, DatabaseDep, SettingsDep, UiSettingsDep

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "CsrfChecked",
    "CurrentUser",
    "NotSignedIn",
    "SESSION_COOKIE",
    "has_role",
    "require_role",
]

SESSION_COOKIE = "hatchway_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class NotSignedIn(Exception):
    """No live session; ``reason`` is a key of ``SIGN_IN_REASONS`` for the login page."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _current_user(
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    ui: UiSettingsDep,
    now: ClockDep,
) -> SignedIn:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotSignedIn("signin")
    # A short session of its own: routes may open theirs (SQLite allows one writer).
    # An ended session is deleted, so that must be committed before we refuse.
    reason: str | None = None
    with _session_check(database) as session:
        try:
            signed_in = resolve_session(
                session,
                token=token,
                secret_key=settings.secret_key.get_secret_value(),
                settings=ui,
                now=now,
            )
        except SessionEnded as ended:
            reason = ended.reason
    if reason is not None:
        raise NotSignedIn(reason)
    request.state.user = signed_in
    return signed_in


@contextmanager
def _session_check(database: Database) -> Iterator[Session]:
    """Where the session is looked up. PostgreSQL: autocommit, so the usual read is one round
    trip instead of BEGIN + SELECT + COMMIT (the touch or delete is one statement, atomic on
    its own). SQLite: a transaction as usual (in-process, and BEGIN IMMEDIATE orders writers).
    """
    if database.dialect != "postgresql":
        with database.session() as session:
            yield session
        return
    autocommit = database.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with autocommit as connection, Session(connection, expire_on_commit=False) as session:
        yield session
        session.commit()  # flushes the touch or delete; each statement committed already


CurrentUser = Annotated[SignedIn, Depends(_current_user)]


def has_role(user: SignedIn, role: Role) -> bool:
    """True when the user's role is ``role`` or above (admin ≥ ops ≥ reviewer)."""
    return ROLE_RANK[user.role] >= ROLE_RANK[role]


def require_role(role: Role) -> Callable[[SignedIn], Awaitable[SignedIn]]:
    """A dependency: the signed-in user, who must hold ``role`` or a higher one (else 403)."""

    async def check(user: CurrentUser) -> SignedIn:
        if not has_role(user, role):
            raise HTTPException(403, f"This needs the {role.value} role.")
        return user

    return check


async def _csrf_checked(request: Request, user: CurrentUser) -> SignedIn:
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        given = field if isinstance(field, str) else None
    if not tokens_equal(user.csrf_token, given):
        raise HTTPException(403, "The form was stale or not from this site; reload and retry.")
    return user


CsrfChecked = Annotated[SignedIn, Depends(_csrf_checked)]
"""The signed-in user of a POST whose CSRF token (form field or header) matched."""
