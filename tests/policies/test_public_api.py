"""The public surface of the policies packages is deliberate: pinned here."""

from __future__ import annotations

import hatchway.policies.claims as claims
import hatchway.policies.rules as rules
import hatchway.policies.sentiment as sentiment


def test_rules_api() -> None:
    assert sorted(rules.__all__) == [
        "ACTION_NAMES",
        "ActionName",
        "Actions",
        "DEFAULT_RULES",
        "FIELDS",
        "FieldKind",
        "FieldSpec",
        "OPERATORS",
        "Rule",
        "RuleContext",
        "RuleHit",
        "RulesOutcome",
        "RulesSettings",
        "build_context",
        "evaluate",
        "load_rules_file",
        "summarise",
    ]


def test_claims_api() -> None:
    assert sorted(claims.__all__) == [
        "ClaimCheck",
        "ClaimKind",
        "ClaimsSettings",
        "DateMention",
        "FactIndex",
        "as_facts",
        "check_claims",
        "failed_claims",
        "find_dates",
    ]


def test_sentiment_api() -> None:
    assert sorted(sentiment.__all__) == ["ANGRY_SCORE", "AngerSignal", "anger", "compile_keywords"]


def test_every_exported_name_exists() -> None:
    for module in (rules, claims, sentiment):
        for name in module.__all__:
            assert hasattr(module, name), (module.__name__, name)


def test_every_field_has_operators() -> None:
    for name, spec in rules.FIELDS.items():
        assert rules.OPERATORS[spec.kind], name
