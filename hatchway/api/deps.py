"""Dependencies of the API: the database, a session per request, the calling key and its role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from hatchway.api.errors import ApiError
from hatchway.api.keys import ApiKeyRefused, AuthenticatedKey, authenticate
from hatchway.store import Database
from hatchway.store.models import ROLE_RANK, Role

__all__ = ["ApiKeyDep", "DatabaseDep", "OpsKey", "ReviewerKey", "SessionDep", "require_role"]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="hatchway"'}

# auto_error=False: a missing header is answered by us, in the API's error format.
_bearer = HTTPBearer(auto_error=False, description="An API key from `hatchway apikeys create`.")


async def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(_database)]


def _session(database: DatabaseDep) -> Iterator[Session]:
    with database.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(_session)]
"""One transaction for the whole request, committed when the route returns."""


def _api_key(
    database: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AuthenticatedKey:
    if credentials is None:
        raise ApiError(401, "unauthorized", "Send an API key: Authorization: Bearer <key>.",
                       headers=_CHALLENGE)  # fmt: skip
    try:
        # A short transaction of its own (it may refresh last_used_at).
        with database.session() as session:
            return authenticate(session, credentials.credentials)
    except ApiKeyRefused as refused:
        raise ApiError(401, "unauthorized", f"{refused}.", headers=_CHALLENGE) from None


ApiKeyDep = Annotated[AuthenticatedKey, Depends(_api_key)]
"""The key the request was made with; 401 when there is none or it is not valid."""


def require_role(role: Role) -> Callable[[AuthenticatedKey], Awaitable[AuthenticatedKey]]:
    """A dependency: the calling key, which must hold ``role`` or a higher one (else 403)."""

    async def check(key: ApiKeyDep) -> AuthenticatedKey:
        if ROLE_RANK[key.role] < ROLE_RANK[role]:
            raise ApiError(403, "forbidden", f"This needs an API key with the {role.value} role.")
        return key

    return check


ReviewerKey = Annotated[AuthenticatedKey, Depends(require_role(Role.REVIEWER))]
OpsKey = Annotated[AuthenticatedKey, Depends(require_role(Role.OPS))]
