"""JSON API credentials and the record that makes submissions idempotent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hatchway.store.models.base import Base, BigIntPK, enum_column, utcnow
from hatchway.store.models.people import Role

__all__ = ["ApiKey", "IdempotencyRecord"]


class ApiKey(Base):
    """A key a program (the CRM) authenticates with. Only a hash of its secret is stored."""

    __tablename__ = "api_keys"

    id: Mapped[BigIntPK]
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = enum_column(Role)
    # Public, shown in listings and logs; finds the row without scanning every hash.
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class IdempotencyRecord(Base):
    """The first answer to a submission, replayed to any repeat of it.

    ``scope`` says what identifies the repeat: ``key:<api key id>`` (an Idempotency-Key
    header, per API key), ``message-id`` or ``content`` (the same raw bytes). The unique
    (scope, key_sha256) is what stops two concurrent duplicates from both creating.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key_sha256"),)

    id: Mapped[BigIntPK]
    scope: Mapped[str] = mapped_column(String(40))
    key_sha256: Mapped[str] = mapped_column(String(64))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), index=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
