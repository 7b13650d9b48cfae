"""The reply-template language of the template drafter: placeholders and line conditions.

A template is plain text. ``{order.status}`` inserts a fact: ``order.*`` and ``product.*``
read the email's first order / product in the facts (``order.NW-100231.status``), ``customer.*``
the CRM record, anything else (``policy.return_window_days``, ``shop.name``) the fact with that
exact key. A line may start with conditions in brackets, comma-separated, all of which must hold:

- ``opt``: leave the line out quietly if a placeholder has no fact;
- ``has:X`` / ``no:X``: X (a placeholder, or a kind such as ``order``) has / has no value;
- ``X=a|b``: the fact behind placeholder X is one of the listed values.

A line without ``opt`` whose placeholder has no fact is left out and reported as a risk: the
drafter never writes a value it was not given. A line (after its conditions) starting with
``!risk `` is a note for the reviewer, added to the risks instead of the body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Filled", "Slot", "fill_template"]

_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)+)\}")
_CONDITIONS = re.compile(r"^\[([^\]]+)\] ?(.*)$")


@dataclass(frozen=True)
class Slot:
    """A value a placeholder can take: what to print, the raw value and the fact key behind it."""

    text: str
    raw: str
    key: str


@dataclass
class Filled:
    """A filled template: its text, the fact keys it used and the placeholders it lacked."""

    text: str
    facts_used: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)


def _holds(condition: str, slots: Mapping[str, Slot]) -> bool:
    def known(name: str) -> bool:
        return name in slots or any(key.startswith(f"{name}.") for key in slots)

    if condition.startswith("has:"):
        return known(condition[4:])
    if condition.startswith("no:"):
        return not known(condition[3:])
    name, _, allowed = condition.partition("=")
    return name in slots and slots[name].raw in allowed.split("|")


def _fill_line(line: str, slots: Mapping[str, Slot], filled: Filled) -> None:
    optional = False
    if match := _CONDITIONS.match(line):
        conditions = [c.strip() for c in match.group(1).split(",")]
        optional = "opt" in conditions
        if not all(_holds(c, slots) for c in conditions if c != "opt"):
            return
        line = match.group(2)
    names = _PLACEHOLDER.findall(line)
    if absent := [name for name in names if name not in slots]:
        if not optional:
            filled.missing.extend(n for n in absent if n not in filled.missing)
        return
    if line.startswith("!risk "):
        filled.risks.append(_PLACEHOLDER.sub(lambda m: slots[m.group(1)].text, line[6:]))
        return
    for name in names:
        if slots[name].key not in filled.facts_used:
            filled.facts_used.append(slots[name].key)
    filled.text += _PLACEHOLDER.sub(lambda m: slots[m.group(1)].text, line) + "\n"


def fill_template(template: str, slots: Mapping[str, Slot]) -> Filled:
    """Fill ``template`` from ``slots``; blank lines left by dropped lines collapse to one."""
    filled = Filled(text="")
    for line in template.splitlines():
        _fill_line(line, slots, filled)
    filled.text = re.sub(r"\n{3,}", "\n\n", filled.text).strip() + "\n"
    return filled
