"""Pessimistic disconnect handling without a round trip per checkout, for any engine.

A pooled connection checked in more than :data:`PING_AFTER_IDLE_SECONDS` ago is pinged when
it is checked out (SQLAlchemy's pessimistic recipe, as a checkout event) and replaced when
the server dropped it; one used moments ago goes out as it is. ``pool_pre_ping`` pinged on
every checkout: a round trip per transaction or query. Used by the main database
(:mod:`hatchway.store.database`) and the SQL connectors' engines.
"""

from __future__ import annotations

import time
from typing import Any, Final

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

__all__ = ["PING_AFTER_IDLE_SECONDS", "ping_when_idle"]

# A connection checked in longer ago than this is pinged before it is handed out again.
PING_AFTER_IDLE_SECONDS: Final = 5.0


def ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection at checkout only when it sat idle past
    :data:`PING_AFTER_IDLE_SECONDS`; the pool replaces one the server dropped."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["hatchway_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("hatchway_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # new, or used moments ago
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
        except Exception as exc:
            # The pool drops this connection and checks out another (up to three tries).
            raise DisconnectionError(f"pooled connection is gone: {exc}") from exc
