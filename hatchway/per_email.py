"""Answers remembered for the one email being triaged, and forgotten after it.

Within one graph run the same texts are read several times (the email's text by classify,
rules and each claim check; every looked-up fact's value again for each date or amount a
draft states). :func:`remembered_per_email` keeps a pure function's answers for the run
that :func:`one_email` opens (the runner opens one per run), so those repeats cost a dict
lookup. Nothing is kept from one email to the next: an answer is as cheap for a stream of
new emails as for the demo mailbox read over and over, and memory stays bounded by one
email's texts. Outside :func:`one_email` the function is simply called.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

__all__ = ["one_email", "remembered_per_email"]

T = TypeVar("T")

_answers: ContextVar[dict[tuple[Callable[[str], Any], str], Any] | None] = ContextVar(
    "hatchway_per_email_answers", default=None
)


@contextmanager
def one_email() -> Iterator[None]:
    """Within: functions marked :func:`remembered_per_email` keep their answers."""
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def remembered_per_email(function: Callable[[str], T]) -> Callable[[str], T]:
    """Mark a pure function of one text; its answers must be immutable (tuples, frozen
    values), since every caller within the email gets the same object."""

    @functools.wraps(function)
    def remembered(text: str) -> T:
        answers = _answers.get()
        if answers is None:
            return function(text)
        key = (function, text)
        try:
            answer: T = answers[key]
        except KeyError:
            answer = answers[key] = function(text)
        return answer

    return remembered
