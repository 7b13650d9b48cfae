"""Log lines carry the item (inbound message), job and request they are about."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

from hatchway.config import load_settings
from hatchway.observability import configure_logging, log_context
from hatchway.store import Database
from hatchway.store.jobs import ClaimedJob, enqueue
from hatchway.store.models import InboundMessage, InboundSource
from hatchway.ui.app import create_app
from hatchway.worker import Worker

handler_log = logging.getLogger("hatchway.test.handler")


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Root logging sent to a buffer for the test; pytest's own handlers put back after."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])


def _json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _queued_message(database: Database) -> tuple[int, int]:
    with database.session() as session:
        message = InboundMessage(
            source=InboundSource.FILE, raw=b"Subject: x\n\nhi", content_sha256="b" * 64
        )
        session.add(message)
        session.flush()
        return message.id, enqueue(session, kind="triage", inbound_message_id=message.id).id


def _logging_handler(job: ClaimedJob) -> None:
    handler_log.info("classifying")


@pytest.mark.parametrize("threaded", [False, True], ids=["run_once", "run"])
def test_a_worker_job_logs_json_lines_with_its_item_and_job_id(
    database: Database, log_stream: io.StringIO, threaded: bool
) -> None:
    configure_logging("INFO", "json", stream=log_stream)
    message_id, job_id = _queued_message(database)
    worker = Worker(database, {"triage": _logging_handler}, poll_interval=0.01)
    if threaded:  # run() executes the job in its own thread: the context must follow it
        worker.pollers.append(worker.stop)
        thread = threading.Thread(target=worker.run)
        thread.start()
        thread.join(timeout=30)
    else:
        assert worker.run_once()
    lines = _json_lines(log_stream)
    about_job = [line for line in lines if line.get("job_id") is not None]
    messages = [line["message"] for line in about_job]
    assert "classifying" in messages and any(m.endswith("(triage) done") for m in messages)
    assert {(line["item_id"], line["job_id"]) for line in about_job} == {(message_id, job_id)}
    assert {"time", "level", "name"} <= set(about_job[0])
    # Lines outside a job (e.g. "worker started") carry no item.
    assert all(line["item_id"] is None for line in lines if line.get("job_id") is None)


def test_text_format_shows_the_ids_in_brackets(log_stream: io.StringIO) -> None:
    configure_logging("INFO", "text", stream=log_stream)
    with log_context(item_id=7, job_id=12):
        handler_log.info("drafting")
    handler_log.info("idle")
    first, second = log_stream.getvalue().splitlines()
    assert first.endswith("hatchway.test.handler [item=7 job=12]: drafting")
    assert second.endswith("hatchway.test.handler: idle")


@pytest.mark.parametrize(("mount", "prefix"), [("", "/inbox"), ("/api/v1", "/messages")])
def test_a_request_for_an_item_logs_its_item_and_request_id(
    database: Database, log_stream: io.StringIO, mount: str, prefix: str
) -> None:
    app = create_app(load_settings(dev_mode=True), database)
    # The JSON API is a sub-application mounted at /api/v1; the probe goes where its routes are.
    target = next((r.app for r in app.routes if isinstance(r, Mount) and r.path == mount), app)

    @target.get(prefix + "/{message_id}/log-probe")
    def probe(message_id: int) -> dict[str, str]:
        handler_log.info("serving")
        return {}

    configure_logging("INFO", "json", stream=log_stream)
    response = TestClient(app).get(
        f"{mount}{prefix}/42/log-probe", headers={"X-Request-ID": "req-1"}
    )
    assert response.headers["X-Request-ID"] == "req-1"
    serving = [line for line in _json_lines(log_stream) if line["message"] == "serving"]
    assert [(line["item_id"], line["request_id"]) for line in serving] == [(42, "req-1")]
