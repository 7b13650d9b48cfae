"""The demo: a small shop's CRM and inventory, a sample mailbox, demo users, on SQLite.

`hatchway demo` (and `make demo`) call :func:`prepare_demo`; it is safe to run again: the
shop database is rebuilt, users get new passwords, mail already stored is not stored twice.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from hatchway.accounts import create_or_reset_user, generate_password
from hatchway.config import Settings
from hatchway.errors import ConfigError
from hatchway.intake import accept_raw_message
from hatchway.policies.categories import ensure_categories
from hatchway.store import Database
from hatchway.store.migrate import upgrade
from hatchway.store.models import InboundSource, InboundStatus, Role

__all__ = [
    "DEMO_OWN_DOMAINS",
    "DEMO_SHOP_POLICY",
    "DEMO_USERS",
    "DemoData",
    "DemoResult",
    "find_demo_data",
    "prepare_demo",
    "run_demo_worker",
    "train_demo_classifier",
]

DEMO_OWN_DOMAINS = ["northwind-outfitters.example"]
DEMO_SHOP_POLICY = {"name": "Northwind Outfitters", "return_window_days": 30, "warranty_years": 2}

DEMO_USERS: tuple[tuple[str, Role, str], ...] = (
    ("reviewer", Role.REVIEWER, "Riley Reviewer"),
    ("ops", Role.OPS, "Olive Ops"),
    ("admin", Role.ADMIN, "Ada Admin"),
)


@dataclass(frozen=True)
class DemoData:
    """Where the demo's files are."""

    root: Path

    @property
    def shop_sql(self) -> Path:
        return self.root / "shop.sql"

    @property
    def mailbox(self) -> Path:
        return self.root / "mailbox"


@dataclass
class DemoResult:
    """What prepare_demo did, for the person watching the terminal."""

    database: Database
    shop_database: Path
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """A few lines: where the data is, what was loaded, how to sign in."""
        loaded = ", ".join(f"{n} {status}" for status, n in sorted(self.counts.items()))
        lines = [
            f"database: {self.database.display_url}",
            f"demo shop (CRM + inventory): {self.shop_database}",
            f"sample mailbox: {sum(self.counts.values())} new messages ({loaded or 'none new'})",
            "demo logins (new passwords every run):",
        ]
        lines += [f"  {name:<9} {role:<9} {password}" for name, role, password in self.logins]
        return "\n".join(lines)


def find_demo_data(start: Path | None = None) -> DemoData:
    """examples/demo in the current directory or the source checkout hatchway runs from."""
    candidates = [(start or Path.cwd()) / "examples" / "demo"]
    candidates.append(Path(__file__).resolve().parents[1] / "examples" / "demo")
    for candidate in candidates:
        if (candidate / "shop.sql").is_file():
            return DemoData(candidate)
    raise ConfigError(
        "examples/demo", "demo data not found", "run the demo from a checkout of the repository"
    )


def prepare_demo(settings: Settings, *, data: DemoData, directory: Path) -> DemoResult:
    """Migrate, load the shop, create demo users, and ingest the sample mailbox."""
    database = Database(
        settings.database_url,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        pool_size=settings.worker.database_pool_size,
    )
    database.check()
    upgrade(database)
    result = DemoResult(database=database, shop_database=load_shop(data.shop_sql, directory))
    with database.session() as session:
        ensure_categories(session)
        for username, role, display_name in DEMO_USERS:
            password = generate_password()
            create_or_reset_user(
                session, username=username, password=password, role=role, display_name=display_name
            )
            result.logins.append((username, role.value, password))
    result.counts = ingest_mailbox_dir(database, data.mailbox, frozenset(settings.own_domains))
    return result


def load_shop(shop_sql: Path, directory: Path) -> Path:
    """Rebuild the demo shop's SQLite database from its SQL file."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "shop.db"
    target.unlink(missing_ok=True)
    connection = sqlite3.connect(target)
    try:
        connection.executescript(shop_sql.read_text(encoding="utf-8"))
        connection.commit()
    finally:
        connection.close()
    return target


def ingest_mailbox_dir(
    database: Database, mailbox: Path, own_domains: frozenset[str]
) -> dict[str, int]:
    """Store every .eml file (once); returns how many new messages ended in each status."""
    counts: dict[str, int] = {}
    for path in sorted(mailbox.glob("*.eml")):
        with database.session() as session:
            accepted = accept_raw_message(
                session, raw=path.read_bytes(), source=InboundSource.FILE, own_domains=own_domains
            )
            if accepted.is_new:
                status = InboundStatus(accepted.message.status).value
                counts[status] = counts.get(status, 0) + 1
    return counts


def train_demo_classifier(data: DemoData, models_dir: Path) -> str:
    """Train the offline intent classifier on the demo's examples; returns its pin."""
    from hatchway.agents.offline.intent import train_intent_classifier

    return train_intent_classifier(data.root / "classifier" / "training.csv", models_dir).pin


def run_demo_worker(
    settings: Settings, database: Database, sent_dir: Path, stop: threading.Event
) -> None:
    """Triage the mailbox and relay approved replies into ``sent_dir`` until ``stop``."""
    from hatchway.connectors.smtp.file_sender import FolderMailSender
    from hatchway.handlers import open_handlers
    from hatchway.outbox import OutboxRelay
    from hatchway.worker import Worker, worker_name

    relay = OutboxRelay(database, FolderMailSender(sent_dir), settings.outbox)
    name = worker_name()
    with open_handlers(settings, database, owner=name) as handlers:
        worker = Worker(
            database, handlers, name=name, pollers=[relay.relay_once], poll_interval=0.5,
            stop_event=stop, concurrency=settings.worker.concurrency,
            backfill_slots=settings.worker.backfill_slot_count,
        )  # fmt: skip
        worker.run()
