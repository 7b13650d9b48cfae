"""The `hatchway` command: its groups (:mod:`hatchway.commands`) under one app.

Settings are built once per invocation and passed to everything else.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hatchway._version import __version__
from hatchway.commands import (
    apikeys,
    categories,
    config,
    demo,
    evaluate,
    gate,
    models,
    run,
    setup,
    webhooks,
)
from hatchway.commands._context import app, state
from hatchway.errors import HatchwayError

__all__ = ["app", "main"]

# Importing the command modules registers their commands.
_COMMAND_MODULES = (apikeys, categories, config, demo, evaluate, gate, models, run, setup, webhooks)


@app.callback()
def _global(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="hatchway.toml to read (default: $HATCHWAY_CONFIG, ./hatchway.toml).",
        ),
    ] = None,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"hatchway {__version__}")
        raise typer.Exit()
    state.config_file = config


def main() -> None:
    """Entry point: a HatchwayError is printed plainly with its fix, exit code 1."""
    try:
        app()
    except HatchwayError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
