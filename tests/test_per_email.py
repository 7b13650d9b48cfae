"""Answers remembered for one email are forgotten after it, and not kept outside one."""

from __future__ import annotations

from hatchway.per_email import one_email, remembered_per_email

calls: list[str] = []


@remembered_per_email
def _length(text: str) -> tuple[int]:
    calls.append(text)
    return (len(text),)


def test_within_one_email_each_text_is_answered_once() -> None:
    calls.clear()
    with one_email():
        assert _length("abc") == _length("abc") == (3,)
        assert _length("de") == (2,)
    assert calls == ["abc", "de"]


def test_nothing_is_kept_from_one_email_to_the_next_or_outside_one() -> None:
    calls.clear()
    with one_email():
        _length("abc")
    with one_email():
        _length("abc")
    _length("abc")
    _length("abc")
    assert calls == ["abc"] * 4


def test_an_email_inside_another_keeps_its_own_answers() -> None:
    calls.clear()
    with one_email():
        _length("abc")
        with one_email():
            _length("abc")
        _length("abc")
    assert calls == ["abc", "abc"]
