"""Users with their role, and the append-only audit trail of what anyone changed."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hatchway.store.models.base import Base, BigIntPK, enum_column, utcnow

__all__ = ["ROLE_RANK", "AuditEvent", "Role", "User"]


class Role(enum.StrEnum):
    """What a user may do: reviewers answer mail, ops change automation, admins everything."""

    REVIEWER = "reviewer"
    OPS = "ops"
    ADMIN = "admin"


ROLE_RANK = {Role.REVIEWER: 0, Role.OPS: 1, Role.ADMIN: 2}
"""Each role may do what the roles ranked below it may."""


class User(Base):
    """A person who signs in to the review inbox or the ops console."""

    __tablename__ = "users"

    id: Mapped[BigIntPK]
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[Role] = enum_column(Role)
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Something changed, who did it and why. Rows are never updated or deleted (DB triggers)."""

    __tablename__ = "audit_events"

    id: Mapped[BigIntPK]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject_type: Mapped[str] = mapped_column(String(100))
    subject_id: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
