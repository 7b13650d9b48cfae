"""SIGTERM to `hatchway serve` and `hatchway ingest`: in-flight work ends cleanly, exit 0."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from hatchway.store import Database
from hatchway.store.migrate import upgrade
from tests.fixtures.dovecot import DovecotServer

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _config(root: Path, extra: str = "", grace: float = 2) -> Path:
    url = f"sqlite:///{root / 'hatchway.db'}"
    database = Database(url)
    upgrade(database)
    database.dispose()
    path = root / "hatchway.toml"
    path.write_text(
        f'dev_mode = true\ndatabase_url = "{url}"\n{extra}'
        f'[observability]\nlog_format = "json"\nshutdown_grace_seconds = {grace}\n'
        "readyz_timeout_seconds = 3\n",
        encoding="utf-8",
    )
    return path


def _start(config: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HATCHWAY_")}
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "hatchway", "-c", str(config), *args],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=config.parent,
        )  # fmt: skip


def _wait_for(predicate: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_serve_finishes_the_request_in_flight_on_sigterm(tmp_path: Path) -> None:
    silent = socket.socket()  # accepts IMAP connections and never greets: /readyz takes ~3 s
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    mailbox = (
        f'[[mailboxes]]\nname = "silent"\nhost = "127.0.0.1"\nport = {silent.getsockname()[1]}\n'
        'security = "none"\nusername = "u"\npassword = "p"\n'
    )
    port = _free_port()
    config = _config(tmp_path, mailbox, grace=15)
    process = _start(config, tmp_path / "serve.log", "serve", "--port", str(port))
    try:
        _wait_for(lambda: _healthy(port), "serve to answer /healthz")
        answers: list[int] = []
        request = threading.Thread(
            target=lambda: answers.append(
                httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=30).status_code
            )
        )
        request.start()
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        request.join(timeout=30)
        # uvicorn re-raises the SIGTERM it handled once it is done, so a supervisor sees the
        # process ended by that signal (systemd counts it as a clean stop).
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
        silent.close()
    assert answers == [503]  # answered (the mailbox is down), not cut off
    records = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines()]
    assert any(record["message"] == "Shutting down" for record in records)
    assert not any(record["level"] == "ERROR" for record in records)


def test_ingest_watchers_leave_idle_and_log_out_on_sigterm(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    user = dovecot.new_user()
    mailbox = (
        f'[[mailboxes]]\nname = "support"\nhost = "{dovecot.host}"\nport = {dovecot.port}\n'
        f'security = "none"\nusername = "{user}"\npassword = "secret"\n'
    )
    log = tmp_path / "ingest.log"
    process = _start(_config(tmp_path, mailbox), log, "ingest")
    try:
        _wait_for(lambda: "watching INBOX" in log.read_text(), "the watcher to IDLE")
        time.sleep(0.5)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert time.monotonic() - started < 10  # within the 2 s grace plus a logout
    finally:
        if process.poll() is None:
            process.kill()
    levels = [json.loads(line)["level"] for line in log.read_text().splitlines()]
    assert "ERROR" not in levels
    server_log = (dovecot.root / "log" / "dovecot.log").read_text()
    assert any(user in line and "Logged out" in line for line in server_log.splitlines())
