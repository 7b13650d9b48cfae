"""`hatchway demo`: the demo shop on SQLite with offline models, a worker and the web UI."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer

from hatchway.commands._context import app, settings_for

__all__ = ["demo"]


@app.command()
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo keeps its databases and files.")
    ] = Path("var/demo"),
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the worker and the web UI.")
    ] = True,
) -> None:
    """Set up the demo shop (SQLite, sample mailbox, demo users), triage it, and serve it."""
    from hatchway.demo import (
        DEMO_OWN_DOMAINS,
        DEMO_SHOP_POLICY,
        find_demo_data,
        prepare_demo,
        train_demo_classifier,
    )

    data = find_demo_data()
    pin = train_demo_classifier(data, directory / "models")
    shop_url = f"sqlite:///{directory / 'shop.db'}"
    settings = settings_for(
        dev_mode=True,
        database_url=f"sqlite:///{directory / 'hatchway.db'}",
        own_domains=DEMO_OWN_DOMAINS,
        models_dir=directory / "models",
        models={"pins": {"classify": pin}},
        crm={"kind": "sql", "url": shop_url},
        inventory={"kind": "sql", "url": shop_url},
        shop=DEMO_SHOP_POLICY,
    )
    result = prepare_demo(settings, data=data, directory=directory)
    typer.echo(result.summary())
    if not serve_after:
        return
    import uvicorn

    from hatchway.demo import run_demo_worker
    from hatchway.ui.app import create_app

    stop = threading.Event()
    worker = threading.Thread(
        target=run_demo_worker,
        args=(settings, result.database, directory / "sent", stop),
        name="demo-worker",
        daemon=True,
    )
    worker.start()
    typer.echo(f"\nhatchway demo: open http://127.0.0.1:{port}/  (Ctrl-C to stop)")
    typer.echo(f"replies 'sent' by the demo are written to {directory / 'sent'}/\n")
    try:
        app_ = create_app(settings, result.database)
        uvicorn.run(app_, host="127.0.0.1", port=port, log_level="warning")
    finally:
        stop.set()
        worker.join(timeout=30)
