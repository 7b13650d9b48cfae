"""Review inbox render times with 100,000 messages and drafts, SQLite and PostgreSQL.

    .venv/bin/python -m benchmarks.bench_inbox [--messages 100000] [--in-review 0.2]

Bulk-inserts messages (with raw bytes, text, a thread each), their drafts, graph runs and
node runs; then, signed in through the real login, times the inbox list (several filters
and pages) and the item view (which also claims the item) server-side in-process through
FastAPI's TestClient. Reports p50/p95 per page per database.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, select, text

from hatchway.accounts import create_or_reset_user
from hatchway.config import load_settings
from hatchway.policies.categories import ensure_categories
from hatchway.store import Database
from hatchway.store.migrate import upgrade
from hatchway.store.models import (
    Draft,
    GraphRun,
    InboundMessage,
    InboundStatus,
    NodeRun,
    Role,
    Thread,
    utcnow,
)
from hatchway.ui.app import create_app

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CATEGORIES = ["order_status", "refund", "return_request", "product_availability", "complaint"]
NODES = ["classify", "lookup", "rules", "draft", "check", "gate", "route"]
BATCH = 5000
BULK_TABLES = ("threads", "inbound_messages", "graph_runs", "drafts", "node_runs")
PASSWORD = "bench-password-123"


@contextmanager
def databases(workdir: Path, names: list[str]) -> Iterator[list[tuple[str, Database]]]:
    """A fresh migrated SQLite file and a fresh PostgreSQL schema."""
    schema = f"hw_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    pairs = []
    if "sqlite" in names:
        pairs.append(("sqlite", Database(f"sqlite:///{workdir / 'bench.db'}")))
    if "postgresql" in names:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        pairs.append(("postgresql", Database(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")))
    for _, database in pairs:
        upgrade(database)
    try:
        yield pairs
    finally:
        for _, database in pairs:
            database.dispose()
        if "postgresql" in names:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _message_row(index: int, now: Any, in_review: float, rng: random.Random) -> dict[str, Any]:
    review = rng.random() < in_review
    status = InboundStatus.IN_REVIEW if review else rng.choice(
        [InboundStatus.SENT, InboundStatus.REJECTED, InboundStatus.IGNORED]
    )  # fmt: skip
    text_body = f"Hello, my order NW-{100000 + index} has not arrived. Could you check?\n" * 4
    return {
        "id": index + 1,
        "source": "imap",
        "raw": (f"Subject: Order NW-{100000 + index}\r\n\r\n" + text_body).encode(),
        "content_sha256": f"{index:064x}",
        "message_id": f"<bench-{index}@example.com>",
        "received_at": now - timedelta(minutes=index * 0.4),
        "status": status.value,
        "status_reason": _reason(index),
        "thread_id": index + 1,
        "from_address": f"c{index}@example.com",
        "from_name": f"Customer {index}",
        "subject": f"Where is order NW-{100000 + index}?",
        "to_addresses": ["support@shop.example"],
        "cc_addresses": [],
        "reply_to": [],
        "references": [],
        "text_body": text_body,
        "html_body": f"<p>{text_body}</p>",
        "attachments": [],
        "loop_signals": [],
        "defects": [],
        "category": rng.choice(CATEGORIES),
    }


def _reason(index: int) -> str:
    """Every fourth item also has an unsure classifier (a reason kind the filter offers)."""
    reason = "the sender is not a known customer; order_id not backed by facts"
    if index % 4 == 0:
        reason += "; the classifier is unsure (0.41 < 0.60); order_status is a guess"
    return reason


def _draft_row(index: int) -> dict[str, Any]:
    fact = {"key": f"order.NW-{100000 + index}.status", "value": "shipped", "source": "crm"}
    order = f"NW-{100000 + index}"
    check = {"check": "order_id", "claim": order, "ok": True,
             "explanation": f"order_id {order} matches the looked-up facts"}  # fmt: skip
    return {
        "id": index + 1,
        "inbound_message_id": index + 1,
        "graph_run_id": index + 1,
        "revision": 1,
        "author": "agent",
        "category": "order_status",
        "subject": f"Re: Where is order NW-{100000 + index}?",
        "body": "Hello,\n\nyour order has shipped and should arrive tomorrow.\n\nNorthwind",
        "facts": [fact],
        "risks": [],
        "rule_hits": [{"rule": "unknown-sender", "explanation": "not a known customer"}],
        "check_results": [check],
        "classifier_confidence": 0.9,
        "route": "review",
        "review_reasons": ["the sender is not a known customer"],
    }


def load(database: Database, *, messages: int, in_review: float) -> None:
    """Bulk-insert ``messages`` messages with a thread, draft, graph run and 7 node runs."""
    rng, now = random.Random(7), utcnow()
    with database.engine.begin() as connection:
        for start in range(0, messages, BATCH):
            span = range(start, min(messages, start + BATCH))
            connection.execute(insert(Thread), [
                {"id": i + 1, "subject_key": f"order nw-{i}", "customer_address": f"c{i}@x",
                 "created_at": now, "last_message_at": now} for i in span])  # fmt: skip
            connection.execute(insert(InboundMessage), [_message_row(i, now, in_review, rng)
                                                        for i in span])  # fmt: skip
            connection.execute(insert(GraphRun), [
                {"id": i + 1, "thread_id": str(i + 1), "inbound_message_id": i + 1,
                 "graph_name": "triage", "graph_version": "1", "status": "interrupted",
                 "fencing_token": 1, "started_at": now} for i in span])  # fmt: skip
            connection.execute(insert(Draft), [_draft_row(i) for i in span])
            connection.execute(insert(NodeRun), [
                {"graph_run_id": i + 1, "node": node, "attempt": 1, "status": "ok",
                 "provider": "openai", "model": "gpt-4.1-mini-2025-04-14",
                 "model_version": "2025-04-14", "prompt_hash": "ab" * 32, "input_tokens": 90,
                 "output_tokens": 20, "latency_ms": 40, "output_summary": f"{node} done",
                 "started_at": now} for i in span for node in NODES])  # fmt: skip
    if database.dialect == "postgresql":
        with database.engine.begin() as connection:
            for table in ("threads", "inbound_messages", "graph_runs", "drafts"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {messages})")
                )
        # What autovacuum does after a bulk load; without it index-only scans visit the heap.
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"VACUUM ANALYZE {', '.join(BULK_TABLES)}"))  # ours only


class ServerTimer:
    """ASGI wrapper: the time from a request's arrival to its last body byte (server time)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last_ms = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        start = time.perf_counter()
        await self.app(scope, receive, send)
        self.last_ms = (time.perf_counter() - start) * 1000


def signed_in_client(database: Database) -> tuple[TestClient, ServerTimer]:
    """The app, with a reviewer signed in through the login form."""
    with database.session() as session:
        ensure_categories(session)
        create_or_reset_user(session, username="bench", password=PASSWORD, role=Role.REVIEWER)
    settings = load_settings(dev_mode=True, database_url=str(database.url))
    timer = ServerTimer(create_app(settings, database))
    client = TestClient(timer, follow_redirects=False)
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post(
        "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 303, answer.text
    return client, timer


def timed(
    client: TestClient, timer: ServerTimer, urls: Callable[[int], str], runs: int
) -> tuple[float, float]:
    """p50 and p95 server time in milliseconds of GET requests (after 5 warm-up requests)."""
    samples = []
    for n in range(runs + 5):
        response = client.get(urls(n))
        assert response.status_code == 200, (urls(n), response.status_code)
        if n >= 5:
            samples.append(timer.last_ms)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def measure(database: Database, runs: int) -> dict[str, tuple[float, float]]:
    """The pages a reviewer opens all day."""
    client, timer = signed_in_client(database)
    with database.session() as session:
        waiting = list(session.scalars(select(InboundMessage.id).where(
            InboundMessage.status == InboundStatus.IN_REVIEW).limit(5000)))  # fmt: skip
    rng = random.Random(3)
    pages = {
        "inbox (oldest first)": lambda n: "/inbox",
        "inbox newest, page 20": lambda n: "/inbox?sort=newest&page=20",
        "inbox category filter": lambda n: f"/inbox?category={CATEGORIES[n % 5]}",
        "inbox late + mine": lambda n: "/inbox?age=late&assignee=mine",
        "inbox reason text": lambda n: "/inbox?reason=known%20customer",
        "inbox reason text, no match": lambda n: "/inbox?reason=no%20such%20reason",
        "inbox reason kind (unsure)": lambda n: "/inbox?why=unsure",
        "inbox reason kind, no match": lambda n: "/inbox?why=undone",
        "item view (claims)": lambda n: f"/inbox/{rng.choice(waiting)}",
    }
    try:
        return {name: timed(client, timer, url, runs) for name, url in pages.items()}
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--in-review", type=float, default=0.2, help="share waiting for review")
    parser.add_argument("--runs", type=int, default=200, help="requests per page")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    results: dict[str, dict[str, tuple[float, float]]] = {}
    with (
        tempfile.TemporaryDirectory() as workdir,
        databases(Path(workdir), args.databases.split(",")) as pairs,
    ):
        for name, database in pairs:
            start = time.perf_counter()
            load(database, messages=args.messages, in_review=args.in_review)
            print(f"{name}: loaded {args.messages} messages in {time.perf_counter() - start:.0f} s")
            results[name] = measure(database, args.runs)
            print(json.dumps({name: {page: list(v) for page, v in results[name].items()}}))
    report(results, args)


def report(results: dict[str, dict[str, tuple[float, float]]], args: argparse.Namespace) -> None:
    """A Markdown table: p50 / p95 in ms per page and database."""
    names = list(results)
    print(
        f"\n{args.messages} messages, {args.in_review:.0%} in review, {args.runs} requests each\n"
    )
    print("| page | " + " | ".join(f"{n} p50 / p95 ms" for n in names) + " |")
    print("|---|" + "---:|" * len(names))
    for page in next(iter(results.values())):
        cells = [f"{results[n][page][0]:.1f} / {results[n][page][1]:.1f}" for n in names]
        print(f"| {page} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
