"""Models: what each node is pinned to, and training the local intent classifier."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hatchway.commands._context import settings_for, sub_app

__all__ = ["classifier_train", "models_list"]

models_app = sub_app("models", "The model pinned to each graph node.")
classifier_app = sub_app("classifier", "The local intent classifier (offline, scikit-learn).")


@models_app.command("list")
def models_list() -> None:
    """Show each node's pin: provider, model, version, whether it is usable, and what its
    provider announced about retiring it."""
    from hatchway.agents.deprecations import pin_deprecation, today_utc
    from hatchway.agents.pins import KNOWN_NODES
    from hatchway.errors import ConfigError

    settings = settings_for()
    pins = settings.models.model_pins()
    for node in sorted(KNOWN_NODES):
        pin = pins.get(node)
        if pin is None:
            try:
                settings.models.pin_for(node)
            except ConfigError as exc:
                typer.echo(f"{node:<18} (not pinned) {exc.fix}")
            continue
        typer.echo(f"{node:<18} {pin.spec}  [provider {pin.provider}, version {pin.version}]")
        if (deprecation := pin_deprecation(pin)) is not None:
            typer.echo(f"{'':<18} DEPRECATED: {deprecation.describe(today_utc())}")
    _prompts()


def _prompts() -> None:
    from hatchway.agents.classify import classify_prompt
    from hatchway.agents.draft import draft_prompt
    from hatchway.agents.prompts import static_prefix_tokens

    typer.echo("\nprompts (static prefix first, so provider prompt caching can reuse it):")
    for prompt in (classify_prompt(), draft_prompt()):
        tokens = static_prefix_tokens(prompt)
        typer.echo(f"{prompt.name:<18} {prompt.ref}  static prefix ~{tokens} tokens")


@classifier_app.command("train")
def classifier_train(
    data: Annotated[Path, typer.Option(help="CSV with text,category rows.")] = Path(
        "examples/demo/classifier/training.csv"
    ),
    out: Annotated[Path | None, typer.Option(help="Artifact folder (default: models_dir).")] = None,
) -> None:
    """Train the intent classifier and print the pin to put in hatchway.toml."""
    from hatchway.agents.offline.intent import train_intent_classifier

    if not data.is_file():
        raise typer.BadParameter(f"{data} is not a file", param_hint="--data")
    target = out or settings_for().models_dir
    artifact = train_intent_classifier(data, target)
    typer.echo(f"trained {artifact.path}")
    typer.echo(f'pin it: [models.pins] classify = "{artifact.pin}"')
