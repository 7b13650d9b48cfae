"""Triage through the worker, SQLite and PostgreSQL: throughput, overhead, live latency.

    .venv/bin/python -m benchmarks.bench_graph [--messages 300] [--rounds 3] \\
        [--sim-messages 640] [--concurrency 32] [--latency 1.0] [--sim-nodes draft] \\
        [--backfill 5000] [--backfill-slots 8] [--live 30] [--live-every 1.0] \\
        [--only a b c] [--databases sqlite pg]

Every email goes the real way: demo-shop mail (examples/demo/mailbox, each copy with its
own Message-ID) is stored by ``intake.accept_raw_message`` with its triage job, and a
``worker.Worker`` claims the jobs and runs ``graphs.runner.TriageRunner`` (thread lease,
fenced checkpointer, node-run records, the demo shop's SQL CRM and inventory) until the
graph has routed the email (auto, or stopped at the review interrupt).

(a) Offline models (local intent classifier + template drafter, ``build_triage_services``
    with the demo's settings, handlers from ``handlers.open_handlers``), worker concurrency
    1, against a bare LangGraph graph with the same node names as no-ops and the same
    checkpointer (``open_checkpointer`` on the same database), invoked once per email.
    The two alternate in ``--rounds`` rounds in one run; rates are over all rounds, and each
    round's hatchway rate is also divided by the bare graph's in the round right after it
    (the median of these paired ratios drifts less with the machine's speed).
(b) A simulated model: a pydantic-ai FunctionModel that awaits ``asyncio.sleep(latency)``
    and answers valid structured output, for the nodes in ``--sim-nodes`` (the others stay
    offline), worker concurrency ``--concurrency``; emails per second of one worker process.
(c) With (b)'s models: time from a live email's stored job (live lane) to its routed
    decision, idle and while ``--backfill`` emails queued in the backfill lane are being
    worked (one backfill, one loaded phase per ``--backfill-slots`` cap: the worker's
    ``backfill_slots``, how many of its slots backfill jobs may hold); p50/p95, ratio.

The machine is shared: compare the ratios measured side by side, not absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from sqlalchemy import create_engine, func, select, text

from hatchway.agents.classify import classify_prompt, make_classify_agent
from hatchway.agents.draft import draft_prompt, make_draft_agent
from hatchway.agents.pins import parse_pin
from hatchway.config import Settings, load_settings
from hatchway.demo import (
    DEMO_OWN_DOMAINS,
    DEMO_SHOP_POLICY,
    find_demo_data,
    load_shop,
    train_demo_classifier,
)
from hatchway.graphs.build import build_triage_services
from hatchway.graphs.checkpoint import open_checkpointer
from hatchway.graphs.runner import TriageRunner
from hatchway.graphs.services import NodeModel, TriageServices
from hatchway.handlers import open_handlers
from hatchway.intake import TRIAGE_JOB, accept_raw_message
from hatchway.policies.categories import ensure_categories
from hatchway.runtime import open_database
from hatchway.store import Database
from hatchway.store.jobs import ClaimedJob
from hatchway.store.migrate import upgrade
from hatchway.store.models import GraphRun, InboundSource, Job, JobState, Lane
from hatchway.worker import JobHandler, Worker, worker_name
from hatchway.worker_settings import WorkerSettings

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
POLL_INTERVAL = 0.05  # the worker's idle poll, so idle latency is not the poll's sleep
NODE_NAMES = (
    "classify",
    "lookup",
    "rules",
    "draft",
    "check",
    "gate",
    "route",
    "review",
    "dispatch",
    "reject",
    "reassign",
)
SIM_CLASSIFICATION = {
    "category": "order_status",
    "confidence": 0.93,
    "language": "en",
    "entities": {"order_ids": ["NW-100231"]},
    "rationale": "asks where the order is",
}
SIM_DRAFT = {
    "subject": "Re: your order",
    "body": "Hello,\n\nthank you for writing. We are looking into it.\n\nNorthwind Outfitters",
    "facts_used": [],
    "risks": ["simulated model"],
}
_MESSAGE_ID = re.compile(
    rb"^Message-ID:[^\r\n]*(\r?\n[ \t][^\r\n]*)*", re.IGNORECASE | re.MULTILINE
)


# --- data -------------------------------------------------------------------------------


def demo_mails() -> list[bytes]:
    """The demo mailbox's raw messages, in file order."""
    return [path.read_bytes() for path in sorted(find_demo_data().mailbox.glob("*.eml"))]


def demo_like(mails: Sequence[bytes], index: int, tag: str) -> bytes:
    """Demo mail number ``index`` (cycling) with a Message-ID of its own."""
    raw = mails[index % len(mails)]
    header = f"Message-ID: <{tag}-{index}@bench.example>".encode()
    if _MESSAGE_ID.search(raw):
        return _MESSAGE_ID.sub(header, raw, count=1)
    return header + b"\r\n" + raw


def store_mail(database: Database, raws: Sequence[bytes], lane: Lane) -> list[int]:
    """Store each mail (one transaction each, as ingest does); ids of those given a job."""
    ids: list[int] = []
    for raw in raws:
        with database.session() as session:
            accepted = accept_raw_message(
                session,
                raw=raw,
                source=InboundSource.FILE,
                own_domains=frozenset(DEMO_OWN_DOMAINS),
                lane=lane,
            )
            ids.append(accepted.message.id)
    with database.session() as session:
        queued = select(Job.inbound_message_id).where(
            Job.kind == TRIAGE_JOB, Job.inbound_message_id.in_(ids)
        )
        with_job = set(session.scalars(queued))
    return [message_id for message_id in ids if message_id in with_job]


# --- databases --------------------------------------------------------------------------


@dataclass
class Bench:
    """One database with the demo shop's settings, ready for the worker."""

    name: str
    database: Database
    settings: Settings
    tag: str


@contextmanager
def benches(workdir: Path, wanted: Sequence[str]) -> Iterator[list[Bench]]:
    """A migrated SQLite file and a throwaway PostgreSQL database, with demo settings."""
    data = find_demo_data()
    models_dir = workdir / "models"
    pin = train_demo_classifier(data, models_dir)
    shop_url = f"sqlite:///{load_shop(data.shop_sql, workdir)}"
    pg_name = f"hw_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    urls = {"sqlite": f"sqlite:///{workdir / 'bench.db'}"}
    if "pg" in wanted:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{pg_name}"'))
        urls["pg"] = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{pg_name}"
    made: list[Bench] = []
    try:
        for name in wanted:
            settings = load_settings(
                dev_mode=True,
                database_url=urls[name],
                own_domains=DEMO_OWN_DOMAINS,
                models_dir=models_dir,
                models={"pins": {"classify": pin}},
                crm={"kind": "sql", "url": shop_url},
                inventory={"kind": "sql", "url": shop_url},
                shop=DEMO_SHOP_POLICY,
            )
            database = open_database(settings)  # as the worker opens it
            upgrade(database)
            with database.session() as session:
                ensure_categories(session)
            made.append(Bench(name, database, settings, uuid.uuid4().hex[:6]))
        yield made
    finally:
        for bench in made:
            bench.database.dispose()
        if "pg" in wanted:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
        admin.dispose()


# --- running the worker -----------------------------------------------------------------


class Decisions:
    """When each message's triage handler returned (its graph routed it), by message id."""

    def __init__(self) -> None:
        self.at: dict[int, float] = {}
        self.failed: list[int] = []
        self._changed = threading.Condition()

    def wrap(self, handler: JobHandler) -> JobHandler:
        def timed(job: ClaimedJob) -> None:
            assert job.inbound_message_id is not None
            try:
                handler(job)
            except Exception:
                self.failed.append(job.inbound_message_id)
                raise
            finally:
                with self._changed:
                    self.at[job.inbound_message_id] = time.perf_counter()
                    self._changed.notify_all()

        return timed

    def wait_for(self, ids: Sequence[int], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not all(message_id in self.at for message_id in ids):
                left = deadline - time.monotonic()
                if left <= 0:
                    missing = sum(message_id not in self.at for message_id in ids)
                    raise TimeoutError(f"{missing} of {len(ids)} emails not routed in time")
                self._changed.wait(min(left, 1.0))


@contextmanager
def running_worker(
    database: Database,
    handlers: Mapping[str, JobHandler],
    name: str,
    concurrency: int,
    backfill_slots: int | None = None,
) -> Iterator[Worker]:
    """A worker loop in a thread; stopped (jobs in hand finished) on exit."""
    worker = Worker(
        database,
        handlers,
        name=name,
        concurrency=concurrency,
        backfill_slots=backfill_slots,
        poll_interval=POLL_INTERVAL,
    )
    thread = threading.Thread(target=worker.run, name="bench-worker", daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop()
        thread.join(timeout=120)


def routed_counts(database: Database, ids: Sequence[int]) -> str:
    """How the graph runs of ``ids`` ended: stopped for review, completed (auto), and how
    many of them with a node failure (routed to review with the reason)."""
    with database.session() as session:
        rows = session.execute(
            select(GraphRun.status, GraphRun.error.is_not(None), func.count())
            .where(GraphRun.inbound_message_id.in_(ids))
            .group_by(GraphRun.status, GraphRun.error.is_not(None))
        ).all()
    counts: dict[str, int] = {}
    for status, failed, count in rows:
        counts[str(status)] = counts.get(str(status), 0) + count
        if failed:
            counts["node failure"] = counts.get("node failure", 0) + count
    return ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))


# --- (a) offline models against a bare graph --------------------------------------------


class BareState(TypedDict):
    message_id: int


def _noop(state: BareState) -> dict[str, Any]:
    return {}


def bare_graph(checkpointer: BaseCheckpointSaver[Any]) -> Any:
    """The triage graph's nodes and edges, every node a no-op, routed to review."""
    graph = StateGraph(BareState)
    for name in NODE_NAMES:
        graph.add_node(name, _noop)
    graph.add_edge(START, "classify")
    pipeline = ("classify", "lookup", "rules", "draft", "check", "gate", "route")
    for before, after in zip(pipeline, pipeline[1:], strict=False):
        graph.add_edge(before, after)
    graph.add_conditional_edges("route", lambda state: "review", ["dispatch", "review"])
    graph.add_edge("review", END)
    graph.add_edge("reassign", "review")
    graph.add_edge("dispatch", END)
    graph.add_edge("reject", END)
    return graph.compile(checkpointer=checkpointer)


def overhead(bench: Bench, mails: Sequence[bytes], count: int, rounds: int) -> dict[str, Any]:
    """(a): hatchway's worker with offline models vs the bare graph, alternating rounds."""
    database, per_round = bench.database, max(1, count // rounds)
    name = worker_name()
    decisions = Decisions()
    hatchway_seconds = bare_seconds = hatchway_cpu = bare_cpu = 0.0
    routed: list[int] = []
    paired: list[float] = []  # each round's hatchway rate over the bare graph's right after it
    with open_handlers(bench.settings, database, owner=name) as handlers:
        timed = {**handlers, TRIAGE_JOB: decisions.wrap(handlers[TRIAGE_JOB])}
        with open_checkpointer(database) as saver:
            bare = bare_graph(saver)
            for round_ in range(rounds):
                tag = f"a{bench.tag}r{round_}"
                raws = [demo_like(mails, index, tag) for index in range(per_round)]
                ids = store_mail(database, raws, Lane.LIVE)
                started, cpu = time.perf_counter(), time.process_time()
                with running_worker(database, timed, name, concurrency=1):
                    decisions.wait_for(ids, timeout=600)
                round_hatchway = max(decisions.at[i] for i in ids) - started
                hatchway_seconds += round_hatchway
                hatchway_cpu += time.process_time() - cpu  # includes the worker's idle polls
                routed += ids
                started, cpu = time.perf_counter(), time.process_time()
                for index in range(len(ids)):
                    config = {"configurable": {"thread_id": f"bare-{tag}-{index}"}}
                    bare.invoke({"message_id": index}, config)
                round_bare = time.perf_counter() - started
                bare_seconds += round_bare
                bare_cpu += time.process_time() - cpu
                paired.append(round_bare / round_hatchway)
    hatchway_rate = len(routed) / hatchway_seconds
    bare_rate = len(routed) / bare_seconds
    return {
        "emails": len(routed),
        "hatchway": hatchway_rate,
        "bare": bare_rate,
        "ratio": hatchway_rate / bare_rate,
        "paired": paired,
        "hatchway_cpu_ms": hatchway_cpu / len(routed) * 1000,
        "bare_cpu_ms": bare_cpu / len(routed) * 1000,
        "failed": len(decisions.failed),
        "routed": routed_counts(database, routed),
    }


# --- (b) and (c): a simulated model -----------------------------------------------------


def slow_model(args: Mapping[str, Any], latency: float) -> FunctionModel:
    """A model that waits ``latency`` seconds (asyncio.sleep) and answers ``args``."""

    async def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        await asyncio.sleep(latency)
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, dict(args))])

    return FunctionModel(respond)


def simulated_services(bench: Bench, latency: float, nodes: Sequence[str]) -> TriageServices:
    """The demo's services with the nodes in ``nodes`` answered by a slow simulated model."""
    services = build_triage_services(bench.settings, bench.database)
    if "classify" in nodes:
        classify = make_classify_agent(slow_model(SIM_CLASSIFICATION, latency))
        pin = parse_pin("classify", "openai:gpt-4.1-mini-2025-04-14")
        services = replace(services, classify=NodeModel(classify, pin, classify_prompt()))
    if "draft" in nodes:
        draft = make_draft_agent(slow_model(SIM_DRAFT, latency))
        pin = parse_pin("draft", "anthropic:claude-sonnet-4-5-20250929")
        services = replace(services, draft=NodeModel(draft, pin, draft_prompt()))
    return services


@contextmanager
def simulated_worker_handlers(
    bench: Bench, latency: float, nodes: Sequence[str], decisions: Decisions, name: str
) -> Iterator[dict[str, JobHandler]]:
    """The triage handler as open_handlers builds it, with the simulated model."""
    services = simulated_services(bench, latency, nodes)
    with open_checkpointer(bench.database) as saver:
        runner = TriageRunner(services, saver, owner=name)

        def triage(job: ClaimedJob) -> None:
            assert job.inbound_message_id is not None
            runner.start(job.inbound_message_id)

        yield {TRIAGE_JOB: decisions.wrap(triage)}


def throughput(
    bench: Bench,
    mails: Sequence[bytes],
    count: int,
    concurrency: int,
    latency: float,
    nodes: Sequence[str],
) -> dict[str, Any]:
    """(b): emails per second of one worker process with a slow model."""
    decisions, name = Decisions(), worker_name()
    ids = store_mail(
        bench.database, [demo_like(mails, i, f"b{bench.tag}") for i in range(count)], Lane.LIVE
    )
    with simulated_worker_handlers(bench, latency, nodes, decisions, name) as handlers:
        started, cpu = time.perf_counter(), time.process_time()
        with running_worker(bench.database, handlers, name, concurrency):
            decisions.wait_for(ids, timeout=600)
        seconds = max(decisions.at[i] for i in ids) - started
        cpu_seconds = time.process_time() - cpu
    return {
        "emails": len(ids),
        "rate": len(ids) / seconds,
        "cpu_ms": cpu_seconds / len(ids) * 1000,
        "failed": len(decisions.failed),
        "routed": routed_counts(bench.database, ids),
    }


def live_latencies(
    database: Database,
    mails: Sequence[bytes],
    decisions: Decisions,
    *,
    count: int,
    every: float,
    tag: str,
    busy: Callable[[], bool] = lambda: True,
) -> list[float]:
    """Store ``count`` live emails ``every`` seconds apart; seconds from stored to routed."""
    arrived: dict[int, float] = {}
    index = 0
    while len(arrived) < count and busy():
        ids = store_mail(database, [demo_like(mails, index, tag)], Lane.LIVE)
        if ids:  # loop mail (auto-replies, newsletters) is ignored without a job: skip it
            arrived[ids[0]] = time.perf_counter()
        index += 1
        time.sleep(every)
    decisions.wait_for(list(arrived), timeout=600)
    return [decisions.at[i] - t for i, t in arrived.items()]


def backfill_latency(
    bench: Bench,
    mails: Sequence[bytes],
    *,
    backfill: int,
    live: int,
    every: float,
    concurrency: int,
    slot_caps: Sequence[int],
    latency: float,
    nodes: Sequence[str],
) -> dict[str, Any]:
    """(c): live time to decision idle, then while one backfill is worked, once per cap on
    the worker's backfill slots (the backlog carries over from one phase to the next)."""
    decisions, name = Decisions(), worker_name()
    old = [demo_like(mails, i, f"c{bench.tag}old") for i in range(backfill)]
    phases: dict[int, dict[str, Any]] = {}
    with simulated_worker_handlers(bench, latency, nodes, decisions, name) as handlers:
        with running_worker(bench.database, handlers, name, concurrency):
            idle = live_latencies(
                bench.database, mails, decisions, count=live, every=every, tag=f"c{bench.tag}idle"
            )
        backfill_ids = store_mail(bench.database, old, Lane.BACKFILL)
        for cap in slot_caps:
            done_before = len(decisions.at)
            started = time.perf_counter()
            with running_worker(bench.database, handlers, name, concurrency, cap):
                time.sleep(3 * latency)  # the slots fill with backfill before the first live mail
                loaded = live_latencies(
                    bench.database,
                    mails,
                    decisions,
                    count=live,
                    every=every,
                    tag=f"c{bench.tag}live{cap}",
                    busy=lambda: backfill_left(bench.database) > 0,
                )
                seconds = time.perf_counter() - started
                left = backfill_left(bench.database)
            done = len(decisions.at) - done_before - len(loaded)
            phases[cap] = {"loaded": loaded, "rate": done / seconds, "left": left}
    return {
        "idle": idle,
        "phases": phases,
        "backfill": len(backfill_ids),
        "failed": len(decisions.failed),
    }


def backfill_left(database: Database) -> int:
    """Backfill triage jobs not yet done."""
    with database.session() as session:
        query = select(func.count()).where(
            Job.lane == Lane.BACKFILL, Job.state.in_([JobState.QUEUED, JobState.RUNNING])
        )
        return int(session.scalar(query) or 0)


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


# --- report -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=300, help="(a) emails per variant")
    parser.add_argument("--rounds", type=int, default=3, help="(a) alternating rounds")
    parser.add_argument("--sim-messages", type=int, default=640, help="(b) emails")
    parser.add_argument("--concurrency", type=int, default=32, help="(b), (c) worker slots")
    parser.add_argument("--latency", type=float, default=1.0, help="simulated model seconds")
    parser.add_argument(
        "--sim-nodes",
        nargs="+",
        default=["draft"],
        choices=["classify", "draft"],
        help="nodes the fake model answers",
    )
    parser.add_argument("--backfill", type=int, default=5000, help="(c) backfill emails")
    parser.add_argument("--live", type=int, default=30, help="(c) live emails per phase")
    parser.add_argument(
        "--backfill-slots",
        type=int,
        nargs="+",
        help="(c) caps on the worker's backfill slots, one loaded phase each "
        "(default: the [worker] default, a quarter of --concurrency)",
    )
    parser.add_argument("--live-every", type=float, default=1.0, help="(c) seconds between")
    parser.add_argument("--only", nargs="+", default=["a", "b", "c"], choices=["a", "b", "c"])
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "pg"], choices=["sqlite", "pg"]
    )
    args = parser.parse_args()
    mails = demo_mails()
    with tempfile.TemporaryDirectory() as workdir, benches(Path(workdir), args.databases) as all_:
        if "a" in args.only:
            results = {
                bench.name: overhead(bench, mails, args.messages, args.rounds) for bench in all_
            }
            print(f"\n(a) offline models, worker concurrency 1, {args.rounds} alternating rounds")
            print(
                "| database | emails | hatchway emails/s | bare graph emails/s | ratio "
                "| median of round ratios (min-max) | CPU ms/email hatchway | bare | routed |"
            )
            print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
            for name, r in results.items():
                rounds = r["paired"]
                print(
                    f"| {name} | {r['emails']} | {r['hatchway']:.1f} | {r['bare']:.1f} "
                    f"| {r['ratio']:.2f} | {statistics.median(rounds):.2f} "
                    f"({min(rounds):.2f}-{max(rounds):.2f}) "
                    f"| {r['hatchway_cpu_ms']:.1f} | {r['bare_cpu_ms']:.1f} "
                    f"| {r['routed']}, failed {r['failed']} |"
                )
        if "b" in args.only:
            results = {
                bench.name: throughput(
                    bench, mails, args.sim_messages, args.concurrency, args.latency, args.sim_nodes
                )
                for bench in all_
            }
            print(
                f"\n(b) simulated {args.latency:g} s model on {'+'.join(args.sim_nodes)}, "
                f"concurrency {args.concurrency}, one worker process"
            )
            print("| database | emails | emails/s | CPU ms/email | routed |")
            print("|---|---:|---:|---:|---|")
            for name, r in results.items():
                print(
                    f"| {name} | {r['emails']} | {r['rate']:.1f} | {r['cpu_ms']:.1f} "
                    f"| {r['routed']}, failed {r['failed']} |"
                )
        if "c" in args.only:
            default = WorkerSettings(concurrency=args.concurrency).backfill_slot_count
            caps = args.backfill_slots or [default]
            results = {
                bench.name: backfill_latency(
                    bench,
                    mails,
                    backfill=args.backfill,
                    live=args.live,
                    every=args.live_every,
                    concurrency=args.concurrency,
                    slot_caps=caps,
                    latency=args.latency,
                    nodes=args.sim_nodes,
                )
                for bench in all_
            }
            print(
                f"\n(c) live time to decision (s), simulated {args.latency:g} s model on "
                f"{'+'.join(args.sim_nodes)}, concurrency {args.concurrency}, "
                f"{args.backfill} backfill emails, {args.live} live emails per phase"
            )
            print(
                "| database | backfill slots | p50 | p95 | p95 / idle p95 "
                "| backfill emails/s | backfill left |"
            )
            print("|---|---|---:|---:|---:|---:|---:|")
            for name, r in results.items():
                idle_p95 = percentile(r["idle"], 0.95)
                print(
                    f"| {name} | idle | {statistics.median(r['idle']):.2f} | {idle_p95:.2f} "
                    f"| 1 | | |"
                )
                for cap, phase in r["phases"].items():
                    p95 = percentile(phase["loaded"], 0.95)
                    print(
                        f"| {name} | {cap} of {args.concurrency} "
                        f"| {statistics.median(phase['loaded']):.2f} | {p95:.2f} "
                        f"| {p95 / idle_p95:.2f} | {phase['rate']:.1f} "
                        f"| {phase['left']} of {r['backfill']} |"
                    )
                if r["failed"]:
                    print(f"| {name} | {r['failed']} handler failures | | | | | |")


if __name__ == "__main__":
    main()
