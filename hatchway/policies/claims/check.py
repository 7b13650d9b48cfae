"""check_claims: every checkable statement of a draft, against the facts it was drafted from."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from hatchway.agents.outputs import DraftReply
from hatchway.agents.requests import Fact
from hatchway.policies.claims._availability import check_availability
from hatchway.policies.claims._links import check_links
from hatchway.policies.claims._references import (
    check_amounts,
    check_dates,
    check_order_ids,
    check_tracking,
)
from hatchway.policies.claims.facts import FactIndex
from hatchway.policies.claims.model import ClaimCheck, Location

__all__ = ["check_claims", "failed_claims"]


def check_claims(
    draft: DraftReply,
    facts: Iterable[Fact | Mapping[str, Any]],
    *,
    customer_order_ids: Collection[str],
    allowed_link_domains: Sequence[str],
    mentioned_order_ids: Collection[str] = (),
) -> list[ClaimCheck]:
    """Check the draft's subject and body: order numbers, amounts, stock promises, dates,
    tracking numbers and links. A failed check blocks auto-send and is shown to the reviewer.

    ``customer_order_ids`` are the orders of the sender's customer record (a draft quoting
    any other order fails); ``mentioned_order_ids`` the ones the inbound email named, to tell
    "named by the customer but not theirs" from "invented by the draft".
    """
    index = FactIndex(facts)
    own = {order_id.upper() for order_id in customer_order_ids}
    mentioned = {order_id.upper() for order_id in mentioned_order_ids}
    results: list[ClaimCheck] = []
    parts: tuple[tuple[Location, str], ...] = (("subject", draft.subject), ("body", draft.body))
    for location, text in parts:
        results += _checks(text, location, index, own, mentioned, allowed_link_domains)
    return results


def _checks(
    text: str,
    location: Location,
    index: FactIndex,
    own: Collection[str],
    mentioned: Collection[str],
    allowed: Sequence[str],
) -> Iterator[ClaimCheck]:
    yield from check_order_ids(text, location, index, own, mentioned)
    yield from check_amounts(text, location, index)
    yield from check_availability(text, location, index)
    yield from check_dates(text, location, index)
    yield from check_tracking(text, location, index, own)
    yield from check_links(text, location, allowed)


def failed_claims(checks: Iterable[ClaimCheck]) -> list[ClaimCheck]:
    """The checks that failed: each one blocks auto-send."""
    return [check for check in checks if not check.ok]
