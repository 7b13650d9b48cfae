"""A scrape stays fast at 100k messages (700k node runs) on PostgreSQL, using the indexes."""

from __future__ import annotations

import time

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import text

from hatchway.observability.metrics import DatabaseCollector
from hatchway.store import Database
from hatchway.store.migrate import upgrade

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MESSAGES = 100_000
NODES = ("classify", "lookup", "rules", "draft", "check", "gate", "route")
STATUSES = ("in_review", "sent", "ignored", "rejected", "quarantined")

_SEED = [
    f"""INSERT INTO inbound_messages (source, raw, content_sha256, received_at, status,
        to_addresses, cc_addresses, reply_to, "references", attachments, loop_signals, defects)
    SELECT 'file', 'x'::bytea, md5(i::text) || md5(i::text), now() - i * interval '1 minute',
        (ARRAY{list(STATUSES)})[1 + i % {len(STATUSES)}],
        '[]', '[]', '[]', '[]', '[]', '[]', '[]'
    FROM generate_series(1, {MESSAGES}) AS i""",
    """INSERT INTO jobs (kind, inbound_message_id, payload, lane, state, attempts, max_attempts,
        run_after, lease_token, created_at)
    SELECT 'triage', id, '{}', 0, CASE WHEN id % 1000 = 0 THEN 'queued' ELSE 'done' END,
        1, 5, received_at, 1, received_at
    FROM inbound_messages""",
    """INSERT INTO graph_runs (thread_id, inbound_message_id, graph_name, graph_version, status,
        fencing_token, started_at)
    SELECT id::text, id, 'triage', '1', 'completed', 1, received_at FROM inbound_messages""",
    f"""INSERT INTO node_runs (graph_run_id, node, attempt, status, model_version, latency_ms,
        input_tokens, output_tokens, started_at)
    SELECT g.id, n.node, 1, 'ok', 'local:m@1', (g.id * 7 + n.i) % 5000, 100, 20, g.started_at
    FROM graph_runs g CROSS JOIN unnest(ARRAY{list(NODES)}) WITH ORDINALITY AS n(node, i)""",
    """INSERT INTO drafts (inbound_message_id, revision, author, subject, body, facts, risks,
        rule_hits, check_results, review_reasons, created_at, route)
    SELECT id, 1, 'agent', 's', 'b', '[]', '[]', '[]', '[]', '[]', received_at,
        CASE WHEN id % 3 = 0 THEN 'auto' ELSE 'review' END
    FROM inbound_messages""",
    # Only our tables: a database-wide ANALYZE would contend with other tests' schemas.
    "ANALYZE inbound_messages, jobs, graph_runs, node_runs, drafts",
]


def _plan(database: Database, query: str) -> str:
    with database.engine.connect() as connection:
        return "\n".join(connection.execute(text(f"EXPLAIN {query}")).scalars())


def test_a_scrape_at_100k_messages_is_fast_and_uses_the_indexes(postgres_url: str) -> None:
    database = Database(postgres_url)
    try:
        _check_scrape(database)
    finally:
        database.dispose()


def _check_scrape(database: Database) -> None:
    upgrade(database)
    with database.engine.begin() as connection:
        for statement in _SEED:
            connection.execute(text(statement))
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(database))
    generate_latest(registry)  # warm the caches, as a running server would have them
    started = time.monotonic()
    exposition = generate_latest(registry).decode()
    elapsed = time.monotonic() - started
    # Queued/running/failed jobs are found through ix_jobs_claim, not by reading 100k done ones.
    jobs_plan = _plan(
        database,
        "SELECT state, kind, count(*), min(created_at) FROM jobs "
        "WHERE state IN ('queued', 'running', 'failed') GROUP BY state, kind",
    )
    assert 'hatchway_items{status="sent"} 20000.0' in exposition
    assert 'hatchway_queue_depth{kind="triage"} 100.0' in exposition
    count = f'hatchway_node_latency_seconds_count{{model="local:m@1",node="draft"}} {MESSAGES}.0'
    assert count in exposition
    assert "ix_jobs_claim" in jobs_plan, jobs_plan
    assert elapsed < 2.0, f"scrape took {elapsed:.2f}s"
