"""Order numbers, amounts, dates and tracking numbers in a draft, checked against the facts."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from datetime import date
from decimal import Decimal

from hatchway.agents.offline.entities import extract_entities
from hatchway.agents.requests import Fact
from hatchway.policies.claims._availability import sentences
from hatchway.policies.claims._dates import DateMention, find_dates
from hatchway.policies.claims.facts import FactIndex, MoneyFact
from hatchway.policies.claims.model import ClaimCheck, Location

__all__ = ["check_amounts", "check_dates", "check_order_ids", "check_tracking"]


def _span(text: str, pattern: str) -> tuple[int | None, int | None]:
    match = re.search(pattern, text, re.I)
    return (match.start(), match.end()) if match else (None, None)


def check_order_ids(
    text: str,
    location: Location,
    index: FactIndex,
    own: Collection[str],
    mentioned: Collection[str],
) -> Iterator[ClaimCheck]:
    """Each order number must be one of this customer's orders."""
    looked_up = set(index.ids("order"))
    theirs = ", ".join(sorted(own)) or "none on record"
    for order_id in extract_entities(text).order_ids:
        start, end = _span(text, r"\bNW-?" + re.escape(order_id[-6:]) + r"\b")
        ok, why = _order_verdict(order_id, own, looked_up, mentioned)
        yield ClaimCheck(
            check="order_id",
            claim=order_id,
            ok=ok,
            explanation=why,
            expected=None if ok else f"this customer's orders: {theirs}",
            location=location,
            start=start,
            end=end,
        )


def _order_verdict(
    order_id: str, own: Collection[str], looked_up: Collection[str], mentioned: Collection[str]
) -> tuple[bool, str]:
    if order_id in own:
        return True, f"Order {order_id} is one of this customer's orders."
    if order_id in looked_up:
        return False, (
            f"Order {order_id} belongs to another customer: the reply must not mention or "
            "discuss it."
        )
    if order_id in mentioned:
        return False, (
            f"Order {order_id}, named in the email, is not one of this customer's orders (it "
            "may belong to someone else or not exist): the reply must not confirm it."
        )
    return False, f"Order {order_id} appears nowhere in the looked-up facts: the draft invented it."


def check_amounts(text: str, location: Location, index: FactIndex) -> Iterator[ClaimCheck]:
    """Each amount of money must equal an amount in the facts (same currency when stated)."""
    known = index.money()
    for money in extract_entities(text).amounts:
        claim = f"{money.amount} {money.currency}"
        start, end = _span(text, _amount_pattern(str(money.amount)))
        where = {"location": location, "start": start, "end": end}
        backing = next(
            (m for m in known if m.amount == money.amount and m.currency in (None, money.currency)),
            None,
        )
        if backing is not None:
            key = backing.fact.key
            why = f"{claim} matches the fact {key}."
            yield ClaimCheck(
                check="amount", claim=claim, ok=True, explanation=why, fact_key=key, **where
            )
            continue
        nearest = _nearest_money(_about(known, index, _sentence(text, start)), money.amount)
        instead = (
            f" The nearest amount in the facts is {_show(nearest)} ({nearest.fact.key})."
            if nearest
            else " The facts state no amounts."
        )
        yield ClaimCheck(
            check="amount",
            claim=claim,
            ok=False,
            explanation=f"{claim} is not in the looked-up facts.{instead}",
            expected=_show(nearest) if nearest else None,
            fact_key=nearest.fact.key if nearest else None,
            **where,
        )


def _amount_pattern(amount: str) -> str:
    whole, _, cents = amount.partition(".")
    groups = re.sub(r"\B(?=(\d{3})+$)", lambda _: r"[.,\s]?", whole)
    decimals = rf"[.,]{cents[0]}{cents[1:]}?" if cents.strip("0") else r"(?:[.,]0{1,2})?"
    return rf"(?<![\d.,]){groups}{decimals}(?!\d)"


def _sentence(text: str, position: int | None) -> str:
    """The sentence around ``position`` (the whole text when it is unknown)."""
    if position is None:
        return text
    return next((part for offset, part in sentences(text) if offset + len(part) > position), "")


def _about(known: list[MoneyFact], index: FactIndex, sentence: str) -> list[MoneyFact]:
    """The amounts of the records the sentence names, or all of them if it names none."""
    named = {f"{kind}.{key}." for kind, key in index.named_in(sentence)}
    return [m for m in known if m.fact.key.startswith(tuple(named))] if named else known


def _nearest_money(known: list[MoneyFact], amount: Decimal) -> MoneyFact | None:
    return min(known, key=lambda m: abs(m.amount - amount), default=None)


def _show(money: MoneyFact) -> str:
    return f"{money.amount} {money.currency}" if money.currency else str(money.amount)


def check_dates(text: str, location: Location, index: FactIndex) -> Iterator[ClaimCheck]:
    """Each date must be a date in the facts (month and day, when the draft gave no year)."""
    known = index.dates()
    for mention in find_dates(text):
        backing = next((fact for day, fact in known if mention.same_day(day)), None)
        expected: str | None = None
        key: str | None
        if backing is not None:
            ok, key = True, backing.key
            why = f"The date {mention.text} matches the fact {key}."
        else:
            nearest = _nearest_date(known, mention)
            ok, key = False, nearest[1].key if nearest else None
            expected = nearest[0].isoformat() if nearest else None
            why = f"The date {mention.text} is not in the looked-up facts." + (
                f" The nearest date in the facts is {expected} ({key})." if nearest else ""
            )
        yield ClaimCheck(
            check="date",
            claim=mention.text,
            ok=ok,
            explanation=why,
            expected=expected,
            fact_key=key,
            location=location,
            start=mention.start,
            end=mention.end,
        )


def _nearest_date(known: list[tuple[date, Fact]], mention: DateMention) -> tuple[date, Fact] | None:
    def distance(item: tuple[date, Fact]) -> int:
        day = item[0]
        year = mention.year or day.year
        try:
            return abs((date(year, mention.month, mention.day) - day).days)
        except ValueError:  # 29 February in a common year
            return 10**6

    return min(known, key=distance, default=None)


def check_tracking(
    text: str, location: Location, index: FactIndex, own: Collection[str]
) -> Iterator[ClaimCheck]:
    """Each tracking number must be the tracking number of one of this customer's orders."""
    numbers = index.tracking_numbers()
    theirs = [f"{number} (order {oid})" for number, oid in numbers.items() if oid in own]
    for number in extract_entities(text).tracking_numbers:
        start, end = _span(text, re.escape(number))
        order = numbers.get(re.sub(r"\s", "", number).upper())
        if order is not None and order in own:
            ok, why = True, f"Tracking number {number} belongs to this customer's order {order}."
        elif order is not None:
            ok, why = False, f"Tracking number {number} belongs to another customer's order."
        else:
            ok, why = False, f"Tracking number {number} is not in the looked-up facts."
        expected = None if ok or not theirs else ", ".join(theirs)
        if expected:
            why += f" The facts say: {expected}."
        yield ClaimCheck(
            check="tracking_number",
            claim=number,
            ok=ok,
            explanation=why,
            expected=expected,
            fact_key=f"order.{order}.tracking_number" if order else None,
            location=location,
            start=start,
            end=end,
        )
