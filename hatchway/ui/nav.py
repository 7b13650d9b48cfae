"""The navigation bar: each entry with the lowest role that sees it."""

from __future__ import annotations

from dataclasses import dataclass

from hatchway.store.models import Role

__all__ = ["NAV_ITEMS", "NavItem"]


@dataclass(frozen=True)
class NavItem:
    """A link in the header, shown to ``role`` and above."""

    label: str
    href: str
    role: Role


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Inbox", "/inbox", Role.REVIEWER),
    NavItem("Quarantine", "/quarantine", Role.REVIEWER),
    NavItem("Ops console", "/ops", Role.OPS),
    NavItem("Overview", "/", Role.REVIEWER),
)
