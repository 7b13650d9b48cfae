"""The demo a new user sees: every sample mail stored, loop mail ignored, the page served."""

from __future__ import annotations

import csv
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from hatchway.config import load_settings
from hatchway.demo import DEMO_OWN_DOMAINS, find_demo_data, prepare_demo
from hatchway.store.models import InboundMessage, InboundStatus, Job, User

NEVER_ANSWERED = {"auto_reply", "newsletter", "bounce"}


def _manifest() -> dict[str, dict[str, str]]:
    path = find_demo_data().mailbox / "manifest.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["file"]: row for row in csv.DictReader(handle)}


def test_demo_stores_every_sample_mail_and_ignores_loop_mail(tmp_path: Path) -> None:
    settings = load_settings(
        dev_mode=True,
        database_url=f"sqlite:///{tmp_path / 'hatchway.db'}",
        own_domains=DEMO_OWN_DOMAINS,
    )
    data = find_demo_data()
    result = prepare_demo(settings, data=data, directory=tmp_path)
    manifest = _manifest()
    assert sum(result.counts.values()) == len(manifest) >= 60
    raw_by_file = {path.name: path.read_bytes() for path in data.mailbox.glob("*.eml")}
    with result.database.session() as session:
        stored = {m.raw: m for m in session.scalars(select(InboundMessage))}
        queued = {job.inbound_message_id for job in session.scalars(select(Job))}
        assert {u.username for u in session.scalars(select(User))} == {"reviewer", "ops", "admin"}
    for name, row in manifest.items():
        message = stored[raw_by_file[name]]
        if row["category"] in NEVER_ANSWERED:
            assert message.status == InboundStatus.IGNORED, name
            assert message.status_reason, name
        elif row["expect"] != "ignore":
            assert message.status == InboundStatus.RECEIVED, (name, message.status_reason)
            assert message.id in queued, name
    again = prepare_demo(settings, data=data, directory=tmp_path)
    assert again.counts == {}
    result.database.dispose()
    again.database.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_hatchway_demo_serves_the_sign_in_page(tmp_path: Path) -> None:
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("HATCHWAY_")}
    command = [
        sys.executable,
        "-m",
        "hatchway",
        "demo",
        "--dir",
        str(tmp_path / "demo"),
        "--port",
        str(port),
    ]
    log = tmp_path / "demo.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=Path(__file__).parents[1],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            # Everything is behind sign-in: the demo's front door is the login page.
            base = f"http://127.0.0.1:{port}"
            page = _wait_for_page(f"{base}/login", deadline=time.monotonic() + 90)
            assert 'name="password"' in page
            printed = log.read_text()
            assert f"{base}/" in printed
            logins = _printed_logins(printed)
            assert set(logins) == {"reviewer", "ops", "admin"}
            # The printed password signs the reviewer in: the login is real, not decoration.
            assert _sign_in(base, "reviewer", logins["reviewer"]).headers["location"] == "/inbox"
            assert _sign_in(base, "reviewer", "not-the-password").status_code == 401
        finally:
            process.terminate()
            process.wait(timeout=30)


def _printed_logins(output: str) -> dict[str, str]:
    """``  <username> <role> <password>`` lines under "demo logins"."""
    lines = output.split("demo logins", 1)[1].splitlines()[1:]
    logins: dict[str, str] = {}
    for line in lines:
        if not line.startswith("  "):
            break
        username, _role, password = line.split()
        logins[username] = password
    return logins


def _sign_in(base: str, username: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=10) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        return client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token.group(1)},
        )


def _wait_for_page(url: str, deadline: float) -> str:
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.3)
            continue
        if response.status_code == 200:
            return response.text
    pytest.fail(f"{url} did not answer within the deadline")
