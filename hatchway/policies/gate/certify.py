"""Certified thresholds: the lowest gate score above which, with confidence 1 − delta, at most
``target`` of the drafts would have been changed by a reviewer (Learn-then-Test).

For a candidate threshold λ the null hypothesis is H_λ: R(λ) > target, where R(λ) is the share
of drafts scoring ≥ λ that a reviewer changes. Given the n_λ held-out drafts at or above λ,
their changed count is Binomial(n_λ, R(λ)), so p_λ = P(Binomial(n_λ, target) ≤ errors_λ) is an
exact p-value (p_λ ≤ α exactly when the one-sided Clopper-Pearson bound at level α is ≤ target).

Candidates come from a grid fixed before the data and are tested from the highest down; a
chain stops at its first non-rejection (fixed-sequence testing: no multiplicity cost along a
chain). A chain starting where only a handful of drafts score higher would stop at once, and
one starting low would miss good high thresholds, so K chains start at label-blind counts
(the highest λ with at least floor·2^i drafts above it, i = 0..K−1), each at level δ/K
(Bonferroni over the chains, as MAPIE's multi-start FST). K grows with the held-out size n
only. FWER ≤ δ: any certified λ is wrong with probability at most δ overall.

The starts look at the scores, never at the labels; when the change rate does not rise with
the score (what the gate is trained for) this only makes each test more conservative.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from scipy.stats import beta, binom

from hatchway.store.models import utcnow

__all__ = [
    "DEFAULT_GRID",
    "MAX_CHAINS",
    "Certification",
    "Refusal",
    "certify",
    "clopper_pearson_upper",
    "starting_counts",
    "zero_error_floor",
]

# Fine at the top, where a calibrated gate's useful thresholds are; fixed before any data.
DEFAULT_GRID: tuple[float, ...] = (0.9999, 0.9995) + tuple(
    round(k / 1000, 3) for k in range(999, 0, -1)
)

MAX_CHAINS = 6


@dataclass(frozen=True)
class Certification:
    """A certified threshold and the evidence for it (stored with the category)."""

    threshold: float
    n: int
    n_above: int
    errors_above: int
    upper_bound: float
    p_value: float
    coverage: float
    target: float
    delta: float
    method: str
    gate_version: str | None
    model_pins: Mapping[str, str] = field(default_factory=dict)
    certified_at: datetime = field(default_factory=utcnow)

    def evidence(self) -> dict[str, Any]:
        """JSON-ready evidence for ``Category.evidence``."""
        data = asdict(self)
        data["model_pins"] = dict(self.model_pins)
        data["certified_at"] = self.certified_at.isoformat()
        return data


@dataclass(frozen=True)
class Refusal:
    """No threshold could be certified; ``reason`` says why in plain words."""

    reason: str
    n: int
    needed: int
    target: float
    delta: float
    gate_version: str | None = None


def zero_error_floor(target: float, delta: float) -> int:
    """Fewest drafts above a threshold that can certify it, even with none changed.

    The smallest n with (1 − target)^n ≤ delta: 299 for a 1% target at 95% confidence.
    """
    return math.ceil(math.log(delta) / math.log1p(-target))


def clopper_pearson_upper(errors: int, n: int, delta: float) -> float:
    """One-sided exact upper confidence bound (level 1 − delta) on a binomial rate."""
    if n == 0 or errors >= n:
        return 1.0
    return float(beta.ppf(1 - delta, errors + 1, n - errors))


def starting_counts(n: int, target: float, delta: float) -> tuple[int, ...]:
    """How many drafts must score above each chain's first threshold: floor(δ/K)·2^i.

    K is the most chains whose last start still fits in ``n`` (at least 1, at most 6).
    """
    chains = 1
    while chains < MAX_CHAINS and zero_error_floor(target, delta / (chains + 1)) * 2**chains <= n:
        chains += 1
    floor = zero_error_floor(target, delta / chains)
    return tuple(floor * 2**i for i in range(chains))


def certify(
    scores: Sequence[float | None],
    changed: Sequence[bool],
    *,
    target: float = 0.01,
    delta: float = 0.05,
    grid: Sequence[float] = DEFAULT_GRID,
    gate_version: str | None = None,
    model_pins: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Certification | Refusal:
    """The threshold certifying the most drafts with changed-rate ≤ ``target`` w.p. ≥ 1 − ``delta``.

    ``scores`` are gate scores of held-out reviewed drafts (None = unknown, never eligible);
    ``changed`` whether the reviewer changed each. ``grid`` must be fixed before the data.
    """
    _check_arguments(scores, changed, target, delta)
    table = _Table.build(scores, changed, grid, target)
    starts = starting_counts(table.n, target, delta)
    level = delta / len(starts)
    tested = [_chain(table, start, level) for start in starts]
    passed = [step for chain in tested for step in chain if step.p_value <= level]
    if not passed:
        first = next((chain[0] for chain in tested if chain), None)
        reason = _refusal_reason(table.n, starts[0], first, target, level, delta)
        return Refusal(reason, table.n, starts[0], target, delta, gate_version)
    # Widest certified set, then the highest λ giving it: the thresholds between two held-out
    # scores select the same drafts and were all rejected, so all are certified; the highest
    # does not reach into score ranges the held-out data never saw.
    best = max(passed, key=lambda step: (step.n_above, step.threshold))
    return Certification(
        threshold=best.threshold,
        n=table.n,
        n_above=best.n_above,
        errors_above=best.errors_above,
        upper_bound=clopper_pearson_upper(best.errors_above, best.n_above, level),
        p_value=best.p_value,
        coverage=best.n_above / table.n,
        target=target,
        delta=delta,
        method=f"learn-then-test, fixed-sequence from {len(starts)} start(s) at delta/"
        f"{len(starts)} each, exact binomial tail",
        gate_version=gate_version,
        model_pins=dict(model_pins or {}),
        certified_at=now or utcnow(),
    )


@dataclass(frozen=True)
class _Step:
    threshold: float
    n_above: int
    errors_above: int
    p_value: float


@dataclass(frozen=True)
class _Table:
    """Per grid threshold (descending): drafts at or above it, how many changed, p-value."""

    n: int
    steps: tuple[_Step, ...]

    @classmethod
    def build(
        cls,
        scores: Sequence[float | None],
        changed: Sequence[bool],
        grid: Sequence[float],
        target: float,
    ) -> _Table:
        values = np.array([-np.inf if s is None else s for s in scores], dtype=float)
        order = np.argsort(-values, kind="stable")
        ascending = values[order][::-1]
        cumulative = np.concatenate([[0], np.cumsum(np.array(changed, dtype=int)[order])])
        thresholds = np.array(sorted({float(t) for t in grid}, reverse=True))
        # Sorted descending, the drafts scoring ≥ t are a prefix: its length is the count.
        counts = len(values) - np.searchsorted(ascending, thresholds, side="left")
        errors = cumulative[counts]
        p_values = binom.cdf(errors, counts, target)
        steps = tuple(
            _Step(float(t), int(c), int(e), float(p))
            for t, c, e, p in zip(thresholds, counts, errors, p_values, strict=True)
        )
        return cls(len(values), steps)


def _chain(table: _Table, start: int, level: float) -> list[_Step]:
    """One fixed-sequence chain: from the highest λ with ``start`` drafts above, down to the
    first λ not rejected (included, last)."""
    chain: list[_Step] = []
    for step in table.steps:
        if step.n_above < start:
            continue
        chain.append(step)
        if step.p_value > level:
            break
    return chain


def _check_arguments(
    scores: Sequence[float | None], changed: Sequence[bool], target: float, delta: float
) -> None:
    if len(scores) != len(changed):
        raise ValueError(f"{len(scores)} scores but {len(changed)} outcomes")
    if not (0 < target < 1 and 0 < delta < 1):
        raise ValueError(f"target and delta must be in (0, 1), got {target} and {delta}")


def _refusal_reason(
    n: int, floor: int, first: _Step | None, target: float, level: float, delta: float
) -> str:
    wanted = f"at a {target:.2%} target and {1 - delta:.0%} confidence"
    if first is None:
        known = "reviewed draft" if n == 1 else "reviewed drafts"
        return (
            f"only {n} held-out {known} with a gate score above any threshold; {wanted} "
            f"at least {floor} are needed above the threshold, none of them changed"
        )
    bound = clopper_pearson_upper(first.errors_above, first.n_above, level)
    return (
        f"at the highest testable threshold {first.threshold:g}, {first.errors_above} of the "
        f"{first.n_above} drafts above it were changed: the upper confidence bound on the "
        f"changed rate is {bound:.2%}, above the {target:.2%} target; more reviewed drafts "
        f"or a better gate are needed"
    )
