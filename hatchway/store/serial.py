"""Making one kind of write transaction run one at a time across processes."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["serialise_transaction"]


def serialise_transaction(session: Session, key: int) -> None:
    """Hold ``key`` until the session's transaction ends, so transactions taking the same key
    run one after another: on PostgreSQL a transaction advisory lock; SQLite's write
    transactions (``BEGIN IMMEDIATE``) are serial already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
