"""Render a gate evaluation: a plain-text table (per category, then overall) or JSON."""

from __future__ import annotations

from typing import Any

from hatchway.evaluation.replay import CategoryFigures, GateEvaluation
from hatchway.policies.gate.certify import Certification

__all__ = ["as_json", "as_table"]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _row(figures: CategoryFigures) -> str:
    return (
        f"{figures.category:<40.40} {figures.n_test:>6} {_pct(figures.coverage):>9} "
        f"{_pct(figures.error):>8} {_pct(figures.bound):>8}"
    )


def _summary(evaluation: GateEvaluation) -> list[str]:
    result = evaluation.certification
    head = (
        f"{evaluation.model}: fit {evaluation.n_fit}, calibration {evaluation.n_calibration}, "
        f"test {evaluation.overall.n_test}; target {evaluation.target:.2%} error at "
        f"{1 - evaluation.delta:.0%} confidence"
    )
    if isinstance(result, Certification):
        status = (
            f"certified threshold {result.threshold:.4f}: {result.errors_above} of "
            f"{result.n_above} calibration drafts above it wrong, bound {result.upper_bound:.2%}"
        )
    else:
        status = f"refused: {result.reason}"
    lines = [head, status]
    if evaluation.oos_total:
        lines.append(
            f"out of scope: {evaluation.oos_auto_sent} of {evaluation.oos_total} would auto-send "
            f"({_pct(evaluation.oos_auto_sent_rate)})"
        )
    return lines


def as_table(evaluation: GateEvaluation, *, categories: bool = True) -> str:
    """The summary, then one row per category (unless ``categories=False``) and overall."""
    header = f"{'category':<40} {'n test':>6} {'coverage':>9} {'error':>8} {'bound':>8}"
    rows = [_row(f) for f in evaluation.categories] if categories else []
    return "\n".join([*_summary(evaluation), "", header, *rows, _row(evaluation.overall)])


def _figures_json(figures: CategoryFigures) -> dict[str, Any]:
    return {
        "n_test": figures.n_test,
        "auto_sent": figures.auto_sent,
        "coverage": figures.coverage,
        "error": figures.error,
        "bound": figures.bound,
    }


def as_json(evaluation: GateEvaluation) -> dict[str, Any]:
    """Machine-readable figures: ``coverage``, ``error``, ``bound``, ``oos_auto_sent_rate``…"""
    result = evaluation.certification
    return {
        "model": evaluation.model,
        "target": evaluation.target,
        "delta": evaluation.delta,
        "certified": isinstance(result, Certification),
        "refusal": None if isinstance(result, Certification) else result.reason,
        "threshold": evaluation.threshold,
        **_figures_json(evaluation.overall),
        "n_fit": evaluation.n_fit,
        "n_calibration": evaluation.n_calibration,
        "oos_total": evaluation.oos_total,
        "oos_auto_sent": evaluation.oos_auto_sent,
        "oos_auto_sent_rate": evaluation.oos_auto_sent_rate,
        "categories": {f.category: _figures_json(f) for f in evaluation.categories},
    }
