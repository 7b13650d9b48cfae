"""The confidence gate: train it on review outcomes, certify categories on held-out ones."""

from __future__ import annotations

from typing import Annotated

import typer

from hatchway.commands._context import database_for, settings_for, sub_app
from hatchway.policies.automation import Actor

__all__ = ["gate_certify", "gate_train"]

gate_app = sub_app("gate", "The confidence gate: P(a reviewer sends the draft unchanged).")


@gate_app.command("train")
def gate_train() -> None:
    """Train the gate on reviewed drafts (the training split) and put it in force."""
    from hatchway.policies.gate_state import train_and_activate

    settings = settings_for()
    outcome = train_and_activate(
        database_for(settings),
        gate=settings.gate,
        trivial_edit=settings.triage.trivial_edit,
        models_dir=settings.models_dir,
        actor=Actor("cli:gate-train"),
    )
    if outcome.version is None:
        typer.echo(f"not trained: {outcome.reason}", err=True)
        raise typer.Exit(1)
    typer.echo(f"gate {outcome.version} in force ({outcome.examples} reviewed drafts)")
    for name in outcome.demoted:
        typer.echo(f"demoted {name}: its evidence was made with another gate", err=True)


@gate_app.command("certify")
def gate_certify(
    category: Annotated[list[str], typer.Option(help="Category to certify (repeat to group).")],
    target: Annotated[
        float | None, typer.Option(help="Error target (default: category's).")
    ] = None,
) -> None:
    """Certify a threshold on held-out reviewed drafts and store the evidence on the categories."""
    from hatchway.policies.automation import current_pins, record_evidence
    from hatchway.policies.gate import (
        Certification,
        certify,
        in_categories,
        load_reviewed_drafts,
        score_examples,
        split_examples,
    )
    from hatchway.policies.gate_state import current_gate

    settings = settings_for()
    database = database_for(settings)
    with database.session() as session:
        gate = current_gate(session, settings.models_dir)
        examples = load_reviewed_drafts(session, trivial_edit=settings.triage.trivial_edit)
        pins = current_pins(session)
    held = in_categories(
        split_examples(
            examples, fraction=settings.gate.held_out_fraction, salt=settings.gate.split_salt
        ).held_out,
        set(category),
    )
    scores = score_examples(gate, held) if gate.version is not None else [None] * len(held)
    result = certify(
        scores,
        [e.changed for e in held],
        target=target or settings.gate.target_error,
        delta=settings.gate.delta,
        gate_version=gate.version,
        model_pins=pins,
    )
    if not isinstance(result, Certification):
        typer.echo(f"not certified: {result.reason}", err=True)
        raise typer.Exit(1)
    with database.session() as session:
        record_evidence(
            session,
            names=list(category),
            evidence=result.evidence(),
            threshold=result.threshold,
            actor=Actor("cli:gate-certify"),
        )
    typer.echo(
        f"certified {', '.join(category)}: threshold {result.threshold}, bound "
        f"{result.upper_bound:.2%} at {result.target:.2%}, coverage {result.coverage:.0%}"
    )
