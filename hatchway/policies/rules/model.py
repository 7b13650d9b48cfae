"""A business rule (``when`` conditions, ``then`` actions, ``explain`` template) and its hits."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)

from hatchway.errors import ConfigError
from hatchway.policies.rules._conditions import Condition, parse_conditions
from hatchway.policies.rules._fields import FIELDS
from hatchway.store.models.people import Role

__all__ = ["ACTION_NAMES", "ActionName", "Actions", "Rule", "RuleHit"]

ActionName = Literal["escalate", "require_role", "require_review", "block_auto_send", "note"]
ACTION_NAMES: tuple[ActionName, ...] = (
    "escalate",
    "require_role",
    "require_review",
    "block_auto_send",
    "note",
)
"""Most to least severe; a hit's main ``action`` is the first one its rule takes."""

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SPECIAL_PLACEHOLDERS = frozenset({"matched", "rule"})


class Actions(BaseModel):
    """What happens when a rule hits. Every action but ``note`` keeps the draft from
    being sent automatically."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    require_review: bool = Field(default=False, description="A person must review the draft.")
    require_role: Role | None = Field(
        default=None, description="Only a user with this role (or higher) may send it."
    )
    block_auto_send: bool = Field(default=False, description="Never sent automatically.")
    note: str | None = Field(default=None, description="A note shown to the reviewer.")
    escalate: bool = Field(default=False, description="Flag the case for a senior person.")

    def names(self) -> tuple[ActionName, ...]:
        """The actions taken, most severe first."""
        return tuple(name for name in ACTION_NAMES if getattr(self, name) not in (None, False))


class Rule(BaseModel):
    """A declarative business rule, validated when it is loaded.

    ``when`` holds conditions that must all hold; ``when_any``, if given, conditions of
    which at least one must hold. ``explain`` is the reviewer-facing sentence: ``{field}``
    inserts a field's value (``{amount}``, ``{customer.tier}``), ``{matched}`` what made
    the conditions hold, ``{rule}`` the rule's name.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)
    when: dict[str, Any] = Field(default_factory=dict)
    when_any: dict[str, Any] = Field(default_factory=dict)
    then: Actions
    explain: str = Field(default="", max_length=500)

    _all: tuple[Condition, ...] = PrivateAttr(default=())
    _any: tuple[Condition, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _name_the_rule(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Rule:
        """Turn any validation problem into a ConfigError that names the rule."""
        try:
            rule: Rule = handler(data)
        except ValidationError as exc:
            raise _rule_error(data, exc) from None
        return rule

    def model_post_init(self, context: Any, /) -> None:
        """Parse and check the conditions and the explanation template once, at load."""
        self._all = parse_conditions(self.name, "when", self.when)
        self._any = parse_conditions(self.name, "when_any", self.when_any)
        if not self._all and not self._any:
            raise ConfigError(
                f'rule "{self.name}"',
                "has no conditions",
                'add a when table, e.g. when.category = "refund"',
            )
        if not self.then.names():
            raise ConfigError(
                f'rule "{self.name}" then', "takes no action", "set e.g. then.require_review = true"
            )
        for placeholder in _PLACEHOLDER.findall(self.explain):
            if placeholder not in FIELDS and placeholder not in _SPECIAL_PLACEHOLDERS:
                raise ConfigError(
                    f'rule "{self.name}" explain',
                    f"unknown placeholder {{{placeholder}}}",
                    f"use {{matched}}, {{rule}} or a field: {', '.join(FIELDS)}",
                )

    @property
    def conditions(self) -> tuple[Condition, ...]:
        """The ``when`` conditions (all must hold)."""
        return self._all

    @property
    def any_conditions(self) -> tuple[Condition, ...]:
        """The ``when_any`` conditions (one must hold, when there are any)."""
        return self._any


def _rule_error(data: Any, exc: ValidationError) -> ConfigError:
    name = data.get("name") if isinstance(data, dict) else None
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "rule"
    problems = "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or 'rule'}: {error['msg']}"
        for error in exc.errors()
    )
    keys = Rule.model_fields if len(first["loc"]) == 1 else Actions.model_fields
    fixes = {
        "extra_forbidden": f"remove the key or use one of {', '.join(keys)}",
        "missing": "add the key",
        "enum": f"use one of the roles {', '.join(role.value for role in Role)}",
        "string_pattern_mismatch": "use lowercase letters, digits, - and _",
    }
    fix = fixes.get(first["type"], "see examples/rules.example.toml")
    return ConfigError(f'rule "{name or "?"}" {where}', problems, fix)


class RuleHit(BaseModel):
    """A rule that hit one email: what it asks for and why, in plain words."""

    model_config = ConfigDict(frozen=True)

    rule: str
    actions: tuple[ActionName, ...]
    explanation: str
    role: Role | None = None
    note: str | None = None

    @property
    def action(self) -> ActionName:
        """The most severe action taken."""
        return self.actions[0]

    @property
    def blocks_auto_send(self) -> bool:
        """True unless the rule only adds a note."""
        return any(name != "note" for name in self.actions)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape stored with the draft (``rule``, ``action``, ``explanation``, ...)."""
        return {
            "rule": self.rule,
            "action": self.action,
            "actions": list(self.actions),
            "explanation": self.explanation,
            "role": None if self.role is None else self.role.value,
            "note": self.note,
        }
