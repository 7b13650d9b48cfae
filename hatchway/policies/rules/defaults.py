"""The rules hatchway ships: what most shops want a person to see whatever the confidence."""

from __future__ import annotations

from hatchway.policies.rules.model import Rule

__all__ = ["DEFAULT_RULES", "INJECTION_PATTERN"]

INJECTION_PATTERN = (
    r"(?i)\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:your\s+|the\s+)?"
    r"(?:previous|prior|above|earlier|system)\s+(?:instructions|prompts?|rules)"
    r"|\bsystem\s+(?:note|prompt|message|instruction)s?\b"
    r"|\b(?:note|message)\s+to\s+the\s+(?:ai|assistant|bot|model)\b"
    r"|\byou\s+are\s+now\s+(?:a|an|in)\b"
    r"|\bdo\s+not\s+mention\s+this\b"
    r"|\bignorier\w*\s+(?:alle\s+)?(?:vorherigen|bisherigen|obigen)\s+anweisungen"
    r"|\bignore[zr]?\s+(?:toutes\s+)?(?:les\s+)?instructions\s+pr[ée]c[ée]dentes"
    r"|\bignora\s+(?:todas\s+)?(?:las\s+)?instrucciones\s+anteriores"
    r"|\bnegeer\s+(?:alle\s+)?(?:vorige|eerdere)\s+instructies"
)
"""Phrases that try to instruct the AI (en/de/fr/es/nl)."""

DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        name="legal-threat",
        when_any={"category": {"equals": "legal_threat"}, "sentiment.threat": True},
        then={"require_review": True, "escalate": True},
        explain="The email threatens legal action or a chargeback ({matched}): "
        "a person must answer it, and the case is escalated",
    ),
    Rule(
        name="refund-above-limit",
        when={
            "category": {"in": ["refund", "cancellation", "return_request"]},
            "amount.at_stake": {"gt": 500},
        },
        then={"require_role": "ops"},
        explain="Refund of {amount.at_stake} EUR is above the 500 EUR limit: "
        "a senior reviewer (ops) must send it",
    ),
    Rule(
        name="vip-customer",
        when={"customer.tier": "vip"},
        then={"note": "VIP customer, lifetime value {customer.lifetime_value} EUR."},
        explain="VIP customer (lifetime value {customer.lifetime_value} EUR): "
        "a personal touch or a goodwill gesture may be in order",
    ),
    Rule(
        name="angry-customer",
        when={"sentiment.angry": True},
        then={"require_review": True},
        explain="The customer sounds angry ({matched}): a person should answer",
    ),
    Rule(
        name="open-disputes",
        when={"customer.open_disputes": {"gt": 0}},
        then={"require_review": True},
        explain="The customer has {customer.open_disputes} open dispute(s): a person should answer",
    ),
    Rule(
        name="out-of-stock",
        when={"inventory.out_of_stock": True},
        then={"block_auto_send": True},
        explain="{inventory.out_of_stock_skus} is out of stock: "
        "the reply is never sent automatically",
    ),
    Rule(
        name="unknown-customer",
        when={"customer.known": False},
        then={"block_auto_send": True},
        explain="The sender is not a customer in the CRM: the reply is never sent automatically",
    ),
    Rule(
        name="order-not-found",
        when={"entities.order_ids.not_found": True},
        then={"require_review": True},
        explain="The email names {entities.order_ids.not_found}, not found among this "
        "customer's orders (another customer's, mistyped or invented): a person must check "
        "before anything about it is said",
    ),
    Rule(
        name="prompt-injection",
        when={"text": {"matches": INJECTION_PATTERN}},
        then={
            "require_review": True,
            "note": "The email tries to give the AI instructions; make sure the draft "
            "does not follow them (refunds, secrecy, changed facts).",
        },
        explain="The email contains phrases aimed at the AI ({matched}): "
        "a person must check the draft",
    ),
)
"""Shipped rules; ``[rules] use_defaults = false`` or ``disable = [...]`` turns them off."""
