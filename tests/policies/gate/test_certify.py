"""Certification: refusals that say what is missing, power where the truth is good, and a
statistical test of the statistical test (wrong certifications at most delta of the time)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pytest

from hatchway.policies.gate import (
    Certification,
    Refusal,
    certify,
    clopper_pearson_upper,
    starting_counts,
    zero_error_floor,
)

Rate = Callable[[np.ndarray], np.ndarray]  # P(changed | score) for uniform scores


def step_rate(cut: float, above: float, below: float) -> Rate:
    return lambda s: np.where(s >= cut, above, below)


def true_risk(rate: Rate, threshold: float) -> float:
    """R(λ) = mean P(changed) over scores ≥ λ, for scores uniform on [0, 1] (numerically)."""
    grid = np.linspace(threshold, 1.0, 20001)
    return float(rate(grid).mean())


def sample(rate: Rate, n: int, seed: int) -> tuple[list[float], list[bool]]:
    rng = np.random.default_rng(seed)
    scores = rng.uniform(size=n)
    changed = rng.uniform(size=n) < rate(scores)
    return scores.tolist(), changed.tolist()


def test_the_zero_error_floor() -> None:
    assert zero_error_floor(0.01, 0.05) == 299
    assert 0.99**299 <= 0.05 < 0.99**298
    assert zero_error_floor(0.01, 0.05) == math.ceil(math.log(0.05) / math.log(0.99))


def test_refuses_and_says_how_many_are_needed() -> None:
    result = certify([0.99] * 37, [False] * 37)
    assert isinstance(result, Refusal)
    assert result.n == 37 and result.needed == 299
    assert result.reason.startswith("only 37 held-out reviewed drafts")
    assert "at a 1.00% target and 95% confidence at least 299 are needed" in result.reason


def test_refuses_when_the_best_region_has_too_many_changes() -> None:
    result = certify([0.99] * 400, [i % 20 == 0 for i in range(400)])
    assert isinstance(result, Refusal)
    assert "20 of the 400 drafts above it were changed" in result.reason
    assert "above the 1.00% target" in result.reason


def test_certifies_at_the_floor_with_no_errors() -> None:
    result = certify([0.995] * 299, [False] * 299)
    assert isinstance(result, Certification)
    assert result.threshold == 0.995 and result.errors_above == 0
    assert result.upper_bound <= 0.01


def test_certifies_where_the_true_error_is_low_and_the_bound_covers_it() -> None:
    rate = step_rate(0.7, above=0.002, below=0.2)
    scores, changed = sample(rate, 3000, seed=7)
    result = certify(
        scores,
        changed,
        gate_version="gate-lr@sha256:" + "a" * 64,
        model_pins={"draft": "openai:gpt-4.1-mini-2025-04-14"},
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert isinstance(result, Certification)
    assert 0.69 <= result.threshold <= 0.75
    assert true_risk(rate, result.threshold) <= result.upper_bound <= 0.01
    assert result.coverage == pytest.approx(result.n_above / 3000)
    evidence = json.loads(json.dumps(result.evidence()))
    assert evidence["n"] == 3000 and evidence["certified_at"] == "2026-01-01T00:00:00+00:00"
    assert evidence["gate_version"].startswith("gate-lr@sha256:")
    assert evidence["model_pins"] == {"draft": "openai:gpt-4.1-mini-2025-04-14"}
    assert set(evidence) >= {"n_above", "errors_above", "upper_bound", "target", "delta"}


def wrong_certification_rate(rate: Rate, n: int, trials: int, target: float = 0.01) -> float:
    """How often a threshold whose true changed-rate exceeds ``target`` gets certified."""
    wrong = 0
    for seed in range(trials):
        result = certify(*sample(rate, n, seed), target=target)
        if isinstance(result, Certification) and true_risk(rate, result.threshold) > target:
            wrong += 1
    return wrong / trials


def test_never_certifies_a_five_percent_error_rate() -> None:
    assert wrong_certification_rate(lambda s: np.full_like(s, 0.05), 3000, 200) == 0.0


def test_wrong_certifications_stay_below_delta_at_the_boundary() -> None:
    # Every threshold's true rate is 1.2% > 1%: each certification is a false one.
    rate = wrong_certification_rate(lambda s: np.full_like(s, 0.012), 3000, 400)
    assert rate <= 0.05


def test_wrong_certifications_stay_below_delta_when_the_top_is_worse() -> None:
    # Not monotone: the highest scores are the worst, thresholds ≥ ~0.8 are bad.
    rate = step_rate(0.95, above=0.04, below=0.003)
    assert true_risk(rate, 0.9) > 0.01 > true_risk(rate, 0.5)
    assert wrong_certification_rate(rate, 3000, 400) <= 0.05


def test_the_bound_covers_the_truth_in_at_least_95_percent_of_runs() -> None:
    rate = step_rate(0.7, above=0.004, below=0.2)
    misses = 0
    for seed in range(300):
        result = certify(*sample(rate, 3000, seed + 1000))
        if isinstance(result, Certification):
            misses += true_risk(rate, result.threshold) > result.upper_bound
    assert misses / 300 <= 0.05


def threshold_of(result: Certification | Refusal) -> float:
    return result.threshold if isinstance(result, Certification) else math.inf


def test_fewer_errors_never_raise_the_threshold() -> None:
    rng = np.random.default_rng(3)
    for seed in range(30):
        scores, changed = sample(step_rate(0.6, 0.004, 0.1), 2000, seed)
        before = threshold_of(certify(scores, changed))
        errors = [i for i, c in enumerate(changed) if c]
        for i in rng.choice(errors, size=min(5, len(errors)), replace=False):
            changed[i] = False
        assert threshold_of(certify(scores, changed)) <= before


def test_a_stricter_target_never_lowers_the_threshold() -> None:
    for seed in range(20):
        scores, changed = sample(step_rate(0.6, 0.004, 0.1), 3000, seed)
        loose = threshold_of(certify(scores, changed, target=0.02))
        strict = threshold_of(certify(scores, changed, target=0.01))
        assert strict >= loose


def test_unknown_scores_are_never_eligible() -> None:
    result = certify([None] * 500, [False] * 500)
    assert isinstance(result, Refusal)


def test_starting_counts_grow_with_the_data() -> None:
    assert starting_counts(300, 0.01, 0.05) == (299,)
    assert starting_counts(3000, 0.01, 0.05) == (408, 816, 1632)
    assert len(starting_counts(10**7, 0.01, 0.05)) == 6


def test_clopper_pearson_matches_the_binomial_test() -> None:
    assert clopper_pearson_upper(0, 299, 0.05) <= 0.01 < clopper_pearson_upper(0, 298, 0.05)
    assert clopper_pearson_upper(5, 5, 0.05) == 1.0


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="2 scores but 1 outcomes"):
        certify([0.5, 0.6], [True])
    with pytest.raises(ValueError, match="must be in"):
        certify([0.5], [True], target=0.0)
