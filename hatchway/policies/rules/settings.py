"""``[rules]`` settings: the shipped defaults, inline ``[[rules.rule]]`` tables and a rules file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from hatchway.errors import ConfigError
from hatchway.policies.rules.defaults import DEFAULT_RULES
from hatchway.policies.rules.model import Rule

__all__ = ["RulesSettings", "load_rules_file"]


class RulesSettings(BaseModel):
    """Which business rules run. Checked when the settings load: a bad rule stops startup.

    The active rules are the defaults (unless ``use_defaults = false``) minus ``disable``,
    then the rules of ``file``, then inline ``rule`` tables; a rule with the name of an
    earlier one replaces it, so a shop can retune a default by redefining it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    use_defaults: bool = Field(default=True, description="Start from the shipped DEFAULT_RULES.")
    disable: list[str] = Field(default_factory=list, description="Default rules to switch off.")
    file: Path | None = Field(
        default=None,
        description="A TOML file of [[rule]] tables; relative paths are read from the "
        "working directory.",
    )
    rule: list[Rule] = Field(default_factory=list, description="Inline [[rules.rule]] tables.")

    _active: tuple[Rule, ...] = PrivateAttr(default=())

    def model_post_init(self, context: Any, /) -> None:
        """Load the file and fold everything into the active rules, once."""
        unknown = sorted(set(self.disable) - {rule.name for rule in DEFAULT_RULES})
        if unknown:
            raise ConfigError(
                "rules.disable",
                f"no default rule named {', '.join(unknown)}",
                f"use names from {', '.join(rule.name for rule in DEFAULT_RULES)}",
            )
        defaults = DEFAULT_RULES if self.use_defaults else ()
        chosen = [rule for rule in defaults if rule.name not in self.disable]
        from_file = load_rules_file(self.file) if self.file is not None else []
        self._active = _merge(chosen, _unique("rules.file", from_file), _unique("rules", self.rule))

    @property
    def active(self) -> tuple[Rule, ...]:
        """The rules to evaluate, in order."""
        return self._active


def load_rules_file(path: Path) -> list[Rule]:
    """Read and check a rules file (``[[rule]]`` tables). ConfigError names the bad rule."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError("rules.file", f"cannot read {path} ({exc})", "fix the path") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("rules.file", f"{path} is not valid TOML ({exc})", "fix it") from None
    extra = sorted(set(data) - {"rule"})
    if extra:
        raise ConfigError(
            f"rules.file {path}",
            f"unknown top-level keys {', '.join(extra)}",
            "use [[rule]] tables",
        )
    raw = data.get("rule", [])
    if not isinstance(raw, list):
        raise ConfigError(f"rules.file {path}", "rule must be an array of tables", "use [[rule]]")
    try:
        return [Rule.model_validate(item) for item in raw]
    except ValidationError as exc:  # not a table at all
        raise ConfigError(f"rules.file {path}", str(exc), "use [[rule]] tables") from None


def _unique(where: str, rules: list[Rule]) -> list[Rule]:
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise ConfigError(where, f"two rules are named {rule.name!r}", "rename one of them")
        seen.add(rule.name)
    return rules


def _merge(*groups: list[Rule] | tuple[Rule, ...]) -> tuple[Rule, ...]:
    merged: dict[str, Rule] = {}
    for group in groups:
        for rule in group:
            merged[rule.name] = rule
    return tuple(merged.values())
