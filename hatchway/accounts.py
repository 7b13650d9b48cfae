"""Local user accounts: argon2 password hashes, roles."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.store.models import Role, User

__all__ = ["create_or_reset_user", "generate_password", "verify_password"]

_hasher = PasswordHasher()


def generate_password() -> str:
    """A random password that is easy to type: four groups of five characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def create_or_reset_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    email: str | None = None,
) -> User:
    """Create the user, or give an existing one this password and role."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=display_name or username, role=role)
        session.add(user)
    user.role = role
    user.email = email or user.email
    user.password_hash = _hasher.hash(password)
    user.active = True
    session.flush()
    return user


def verify_password(user: User, password: str) -> bool:
    """True when ``password`` is the user's; timing-safe (argon2)."""
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
