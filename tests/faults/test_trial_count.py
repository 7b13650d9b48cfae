"""CI runs `make test` with only HATCHWAY_TEST_REQUIRE_POSTGRES=1 set: each kill test must
then make at least the 50 mid-work kills issue 3 asks for."""

from __future__ import annotations

import pytest

from tests.faults._harness import fault_trials


def test_ci_environment_gets_at_least_50_kill_trials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HATCHWAY_FAULT_TRIALS", raising=False)
    monkeypatch.setenv("HATCHWAY_TEST_REQUIRE_POSTGRES", "1")
    assert fault_trials() >= 50


def test_a_local_run_may_ask_for_more_or_fewer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HATCHWAY_FAULT_TRIALS", "7")
    assert fault_trials() == 7
