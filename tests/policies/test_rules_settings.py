"""[rules] settings: defaults, disable, inline rules, a rules file, and errors at startup."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from hatchway.errors import ConfigError
from hatchway.policies.rules import DEFAULT_RULES, RulesSettings, load_rules_file

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rules.example.toml"


def names(settings: RulesSettings) -> list[str]:
    return [rule.name for rule in settings.active]


def from_toml(text: str) -> RulesSettings:
    return RulesSettings.model_validate(tomllib.loads(text)["rules"])


def test_defaults_are_active_by_default() -> None:
    assert names(RulesSettings()) == [rule.name for rule in DEFAULT_RULES]


def test_default_rule_names() -> None:
    assert names(RulesSettings()) == [
        "legal-threat",
        "refund-above-limit",
        "vip-customer",
        "angry-customer",
        "open-disputes",
        "out-of-stock",
        "unknown-customer",
        "order-not-found",
        "prompt-injection",
    ]


def test_use_defaults_false_and_disable() -> None:
    assert names(RulesSettings(use_defaults=False)) == []
    assert "vip-customer" not in names(RulesSettings(disable=["vip-customer"]))


def test_disabling_an_unknown_default_is_an_error() -> None:
    with pytest.raises(ConfigError, match="no default rule named vip"):
        RulesSettings(disable=["vip"])


def test_inline_rules_from_hatchway_toml() -> None:
    settings = from_toml(
        """
        [rules]
        use_defaults = false

        [[rules.rule]]
        name = "big-order"
        when."order.total" = { gt = 1000 }
        then.require_role = "ops"
        explain = "Order worth {order.total} EUR"
        """
    )

    assert names(settings) == ["big-order"]
    assert settings.active[0].then.require_role == "ops"


def test_an_inline_rule_with_a_default_name_replaces_it_in_place() -> None:
    settings = from_toml(
        """
        [[rules.rule]]
        name = "refund-above-limit"
        when."amount.at_stake".gt = 750
        then.require_role = "admin"
        """
    )

    assert names(settings) == names(RulesSettings())
    assert settings.active[1].then.require_role == "admin"


def test_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[rule]]\nname = "nl-only"\nwhen.language = "nl"\nthen.note = "Dutch"\n', "utf-8"
    )

    settings = RulesSettings(file=path, use_defaults=False)

    assert names(settings) == ["nl-only"]
    assert load_rules_file(path)[0].name == "nl-only"


def test_a_bad_rule_in_the_file_stops_startup_naming_the_rule(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[rule]]\nname = "typo"\nwhen.text.matches = "[a-"\nthen.require_review = true\n',
        "utf-8",
    )

    with pytest.raises(ConfigError, match='rule "typo" when.text: bad regex'):
        RulesSettings(file=path)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[[rule]\n", "is not valid TOML"),
        ('title = "x"\n', "unknown top-level keys title"),
        ('rule = "x"\n', "rule must be an array of tables"),
    ],
)
def test_rules_file_shape_errors(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(content, "utf-8")

    with pytest.raises(ConfigError, match=words):
        RulesSettings(file=path)


def test_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        RulesSettings(file=tmp_path / "nope.toml")


def test_duplicate_names_are_an_error() -> None:
    rule = {"name": "twice", "when": {"category": "refund"}, "then": {"note": "x"}}

    with pytest.raises(ConfigError, match="two rules are named 'twice'"):
        RulesSettings.model_validate({"rule": [rule, rule]})


def test_nested_in_app_settings_the_config_error_comes_through() -> None:
    class AppSettings(BaseModel):
        rules: RulesSettings = Field(default_factory=RulesSettings)

    bad = {"rules": {"rule": [{"name": "x", "when": {"nope": 1}, "then": {"note": "n"}}]}}

    with pytest.raises(ConfigError, match=r'rule "x" when.nope: unknown field'):
        AppSettings.model_validate(bad)


def test_the_example_rules_file_loads() -> None:
    settings = RulesSettings(file=EXAMPLE)

    assert names(settings)[: len(DEFAULT_RULES)] == [rule.name for rule in DEFAULT_RULES]
    assert names(settings)[len(DEFAULT_RULES) :] == [
        "gold-cancellation-limit",
        "press-or-social-media",
        "safety-issue",
        "several-orders",
    ]
    limit = next(rule for rule in settings.active if rule.name == "refund-above-limit")
    assert "750" in limit.explain
