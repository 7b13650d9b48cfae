"""Message-IDs that hatchway generates, and recognising them again (loop protection)."""

from __future__ import annotations

import re
import uuid

__all__ = [
    "OWN_MESSAGE_ID_PREFIX",
    "is_own_message_id",
    "make_message_id",
    "message_id_list",
    "normalise_message_id",
]

OWN_MESSAGE_ID_PREFIX = "hw."

_ANGLE_ID = re.compile(r"<\s*([^<>\s]+?)\s*>")


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


def normalise_message_id(value: str | None) -> str | None:
    """``<id@host>`` from a Message-ID-like value; tolerates missing brackets and comments."""
    ids = message_id_list(value or "")
    return ids[0] if ids else None


def message_id_list(value: str) -> tuple[str, ...]:
    """Every ``<id>`` in a References-like value, in order, once each."""
    found = [f"<{match}>" for match in _ANGLE_ID.findall(value)]
    if not found:  # some clients forget the brackets
        found = [f"<{token.strip('<>')}>" for token in value.split() if "@" in token]
    return tuple(dict.fromkeys(found))
