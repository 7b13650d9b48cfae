"""`hatchway eval gate` over several split seeds and targets, from embeddings computed once.

    .venv/bin/python -m benchmarks.bench_gate \\
        --dataset ../shared/data/intents/banking77/train.csv \\
        --oos ../shared/data/intents/clinc150/train_val.json \\
        --seeds 0 1 2 3 4 --targets 0.02 0.01 [--cache /tmp/minilm.npy] [--no-baseline]

For each seed, the same ``replay`` as the command (ensemble, and the TF-IDF + LR baseline
beside it) at each target; prints one Markdown table row per seed, target and classifier:
certified coverage and realised error on the test part, the bound from the calibration part,
and out-of-scope texts auto-sent. The MiniLM forward pass runs once (cached with --cache).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hatchway.evaluation import (
    BaselineClassifier,
    EnsembleClassifier,
    GateEvaluation,
    SelectiveClassifier,
    load_encoder,
    load_labelled,
    load_texts,
    replay,
)
from hatchway.evaluation.selective import Matrix


def _cached_embedder(texts: Sequence[str], cache: Path | None) -> dict[str, Matrix]:
    if cache is not None and cache.is_file():
        vectors = np.load(cache)
    else:
        vectors = load_encoder().encode(texts)
        if cache is not None:
            np.save(cache, vectors)
    if len(vectors) != len(texts):
        raise SystemExit(f"{cache} holds {len(vectors)} vectors for {len(texts)} texts")
    return dict(zip(texts, vectors, strict=True))


def _row(seed: int, result: GateEvaluation, label: str) -> str:
    target = f"{result.target:.0%}"
    if result.threshold is None:
        return f"| {seed} | {target} | {label} | refused | | | |"
    overall = result.overall
    error = f"{overall.error:.2%}" if overall.error is not None else "—"
    bound = f"{overall.bound:.2%}" if overall.bound is not None else "—"
    oos = f"{result.oos_auto_sent} / {result.oos_total}" if result.oos_total else "—"
    return f"| {seed} | {target} | {label} | {overall.coverage:.1%} | {error} | {bound} | {oos} |"


def main() -> None:
    """Run the sweep and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--oos", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--targets", type=float, nargs="+", default=[0.02, 0.01])
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    data = load_labelled(args.dataset)
    oos = load_texts(args.oos) if args.oos else ()
    table = _cached_embedder([*data.texts, *oos], args.cache)

    def embed(texts: Sequence[str]) -> Matrix:
        return np.stack([table[text] for text in texts])

    print("| seed | target | classifier | coverage | realised error | bound | OOS auto-sent |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for seed in args.seeds:
        for target in args.targets:
            chosen: list[SelectiveClassifier] = [EnsembleClassifier(use_embeddings=True)]
            if not args.no_baseline:
                chosen.append(BaselineClassifier())
            results = replay(data, chosen, oos=oos, target=target, embed=embed, seed=seed)
            for result, label in zip(results, ("ensemble", "baseline"), strict=False):
                print(_row(seed, result, label), flush=True)


if __name__ == "__main__":
    main()
