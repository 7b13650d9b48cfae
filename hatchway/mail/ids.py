"""Message-IDs that hatchway generates, and recognising them again (loop protection)."""

from __future__ import annotations

import uuid

__all__ = ["OWN_MESSAGE_ID_PREFIX", "is_own_message_id", "make_message_id"]

OWN_MESSAGE_ID_PREFIX = "hw."


def make_message_id(domain: str) -> str:
    """A new globally unique Message-ID, e.g. ``<hw.3f2a...@shop.example>``."""
    return f"<{OWN_MESSAGE_ID_PREFIX}{uuid.uuid4().hex}@{domain.strip().lower()}>"


def is_own_message_id(message_id: str | None, own_domains: frozenset[str]) -> bool:
    """True when ``message_id`` was made by :func:`make_message_id` for one of our domains."""
    if not message_id:
        return False
    value = message_id.strip().strip("<>").lower()
    local, _, domain = value.rpartition("@")
    return local.startswith(OWN_MESSAGE_ID_PREFIX) and domain in own_domains
