"""Real `hatchway worker` processes on the demo shop, for the shutdown and many-worker tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from hatchway.demo import DEMO_OWN_DOMAINS, find_demo_data, load_shop, train_demo_classifier
from hatchway.policies.categories import ensure_categories
from hatchway.store import Database
from hatchway.store.migrate import upgrade

START_SECONDS = 60.0


@cache
def _classifier_pin(models_dir: Path) -> str:
    return train_demo_classifier(find_demo_data(), models_dir)


@dataclass
class DemoService:
    """A migrated database, the demo shop, a trained classifier and a hatchway.toml for them."""

    root: Path
    database_url: str
    crm_toml: str = ""
    grace_seconds: float = 30.0

    def __post_init__(self) -> None:
        self.models_dir = self.root / "models"
        self.shop = load_shop(find_demo_data().shop_sql, self.root)
        self.pin = _classifier_pin(self.models_dir)
        self.database = Database(self.database_url)
        upgrade(self.database)
        with self.database.session() as session:
            ensure_categories(session)

    def write_config(self) -> Path:
        """hatchway.toml for worker processes: offline models, JSON logs."""
        shop_url = f"sqlite:///{self.shop}"
        crm = self.crm_toml or f'[crm]\nkind = "sql"\nurl = "{shop_url}"\n'
        path = self.root / "hatchway.toml"
        path.write_text(
            f"dev_mode = true\ndatabase_url = {json.dumps(self.database_url)}\n"
            f"own_domains = {json.dumps(DEMO_OWN_DOMAINS)}\n"
            f"models_dir = {json.dumps(str(self.models_dir))}\n"
            f'[models.pins]\nclassify = "{self.pin}"\n'
            f"{crm}"
            f'[inventory]\nkind = "sql"\nurl = "{shop_url}"\n'
            '[shop]\nname = "Northwind Outfitters"\nreturn_window_days = 30\nwarranty_years = 2\n'
            '[observability]\nlog_format = "json"\n'
            f"shutdown_grace_seconds = {self.grace_seconds}\n",
            encoding="utf-8",
        )
        return path


@dataclass
class WorkerProcess:
    """A `hatchway worker` subprocess whose JSON log lines are collected from a file."""

    process: subprocess.Popen[bytes]
    log_path: Path
    _lines: list[dict[str, Any]] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        """Every JSON log line so far (non-JSON lines, e.g. tracebacks, are kept as text)."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [_parse(line) for line in text.splitlines() if line.strip()]

    def wait_for_log(self, needle: str, timeout: float = START_SECONDS) -> dict[str, Any]:
        """The first record whose message contains ``needle``; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for record in self.records():
                if needle in str(record.get("message", "")):
                    return record
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no log line with {needle!r}; log:\n{self.log_path.read_text()}")

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM, then the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def job_ids_done(self) -> list[int]:
        """Ids of the jobs this worker finished, from its log."""
        return [
            int(r["job_id"])
            for r in self.records()
            if r.get("job_id") is not None and str(r.get("message", "")).endswith(") done")
        ]


def _parse(line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError:
        return {"message": line}
    return record if isinstance(record, dict) else {"message": line}


def start_worker(config: Path, log_path: Path) -> WorkerProcess:
    """`python -m hatchway -c config worker`, stderr (the log) into ``log_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HATCHWAY_")}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hatchway", "-c", str(config), "worker"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=config.parent,
        )
    return WorkerProcess(process, log_path)
