"""Forgetting Idempotency-Keys once their window has passed (a worker poller)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete

from hatchway.config import ApiSettings
from hatchway.store import Database
from hatchway.store.models import IdempotencyRecord, utcnow

__all__ = ["CLIENT_KEY_SCOPE_PREFIX", "IdempotencyKeyExpiry", "forget_client_keys"]

log = logging.getLogger(__name__)

CLIENT_KEY_SCOPE_PREFIX = "key:"
"""Scopes of Idempotency-Key headers; Message-ID and content records are kept for good
(they are one per message, and the duplicate check rests on them)."""


def forget_client_keys(database: Database, *, older_than: datetime) -> int:
    """Delete Idempotency-Key records made before ``older_than``; returns how many."""
    with database.session() as session:
        result = session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.scope.startswith(CLIENT_KEY_SCOPE_PREFIX),
                IdempotencyRecord.created_at < older_than,
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class IdempotencyKeyExpiry:
    """A worker poller: at most once an hour, forget keys older than the settings say."""

    EVERY = timedelta(hours=1)

    def __init__(self, database: Database, settings: ApiSettings) -> None:
        self.database = database
        self.window = timedelta(hours=settings.idempotency_key_hours)
        self.last_run: datetime | None = None

    def __call__(self) -> int:
        now = utcnow()
        if self.last_run is not None and now - self.last_run < self.EVERY:
            return 0
        self.last_run = now
        forgotten = forget_client_keys(self.database, older_than=now - self.window)
        if forgotten:
            log.info("forgot %d Idempotency-Keys older than %s", forgotten, self.window)
        return forgotten
