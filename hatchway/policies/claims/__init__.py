"""Deterministic checks of a draft against the looked-up facts, and the link allow-list.

Order numbers, amounts and prices, promises of availability, dates and tracking numbers in
a draft must be backed by the facts; links must point to an allowed domain. A claim that is
not backed blocks auto-send and is highlighted for the reviewer.
"""

from hatchway.policies.claims._dates import DateMention, find_dates
from hatchway.policies.claims.check import check_claims, failed_claims
from hatchway.policies.claims.facts import FactIndex, as_facts
from hatchway.policies.claims.model import ClaimCheck, ClaimKind, ClaimsSettings

__all__ = [
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
