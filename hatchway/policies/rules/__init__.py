"""Declarative business rules: what must go to a person whatever the confidence, and why.

Rules live in ``hatchway.toml`` (``[[rules.rule]]``) or a rules file it names, and are
checked when the settings load. Per email, :func:`build_context` gathers the values rules
test, :func:`evaluate` returns a :class:`RuleHit` per rule that hit, each explained in
plain words, and :func:`summarise` says what they mean together.
"""

from hatchway.policies.rules._context import RuleContext, build_context
from hatchway.policies.rules._fields import FIELDS, OPERATORS, FieldKind, FieldSpec
from hatchway.policies.rules.defaults import DEFAULT_RULES
from hatchway.policies.rules.engine import RulesOutcome, evaluate, summarise
from hatchway.policies.rules.model import ACTION_NAMES, ActionName, Actions, Rule, RuleHit
from hatchway.policies.rules.settings import RulesSettings, load_rules_file

__all__ = [
    "ACTION_NAMES",
    "DEFAULT_RULES",
    "FIELDS",
    "OPERATORS",
    "ActionName",
    "Actions",
    "FieldKind",
    "FieldSpec",
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
