"""Parse rate over the SpamAssassin corpus: hatchway.mail.parse against bare stdlib loops.

    .venv/bin/python -m benchmarks.bench_parse [--corpus ../shared/data/mail/spamassassin]
        [--rounds 3]

Reads every ``*.eml`` under the corpus into memory once, then times, in interleaved rounds:

- **hatchway parse_message**: the whole intake parse (headers, addresses, body text, HTML
  made text and sanitised with nh3, attachments as metadata, loop signals, sha256).
- **stdlib body**: ``email.message_from_bytes(raw, policy=policy.default)``, then
  ``get_body(("plain", "html")).get_content()``; errors caught and counted.
- **stdlib body + From/Subject**: the same, also reading ``From`` and ``Subject`` (the
  policy's header objects are built lazily, on first read; any useful parse reads them).

Prints a markdown table of median messages/s and MB/s, the ratio to the bare body loop,
and how many messages were parsed vs quarantined (hatchway) or raised (stdlib). The
machine is shared: compare the ratios measured side by side, not absolute numbers.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from hatchway.mail.parse import Quarantined, parse_message

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared/data/mail/spamassassin"

Outcome = tuple[int, int]  # (fine, failed): parsed/quarantined, or read/raised


def hatchway_parse(messages: list[bytes]) -> Outcome:
    quarantined = sum(isinstance(parse_message(raw), Quarantined) for raw in messages)
    return len(messages) - quarantined, quarantined


def _stdlib_one(raw: bytes, headers: bool) -> None:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if headers:
        str(message["From"]), str(message["Subject"])
    body = message.get_body(("plain", "html"))
    if body is not None:
        body.get_content()


def stdlib_loop(headers: bool) -> Callable[[list[bytes]], Outcome]:
    def run(messages: list[bytes]) -> Outcome:
        failed = 0
        for raw in messages:
            try:
                _stdlib_one(raw, headers)
            except Exception:  # e.g. LookupError for an unknown charset
                failed += 1
        return len(messages) - failed, failed

    return run


LOOPS: dict[str, Callable[[list[bytes]], Outcome]] = {
    "stdlib body": stdlib_loop(headers=False),
    "stdlib body + From/Subject": stdlib_loop(headers=True),
    "hatchway parse_message": hatchway_parse,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    messages = [path.read_bytes() for path in sorted(args.corpus.rglob("*.eml"))]
    if not messages:
        raise SystemExit(f"no *.eml under {args.corpus}")
    megabytes = sum(len(raw) for raw in messages) / 1e6
    seconds: dict[str, list[float]] = {name: [] for name in LOOPS}
    outcomes: dict[str, Outcome] = {}
    for _ in range(args.rounds):
        for name, loop in LOOPS.items():
            start = time.perf_counter()
            outcomes[name] = loop(messages)
            seconds[name].append(time.perf_counter() - start)
    print(
        f"{len(messages)} messages ({megabytes:.1f} MB) from {args.corpus}; "
        f"median of {args.rounds} interleaved rounds\n"
    )
    print("| loop | msg/s (median) | MB/s | ratio to stdlib body | ok / failed | msg/s per round |")
    print("|---|---:|---:|---:|---|---|")
    base = len(messages) / statistics.median(seconds["stdlib body"])
    for name, times in seconds.items():
        rate = len(messages) / statistics.median(times)
        fine, failed = outcomes[name]
        kind = "parsed / quarantined" if name.startswith("hatchway") else "read / raised"
        each = ", ".join(f"{len(messages) / t:.0f}" for t in times)
        print(
            f"| {name} | {rate:.0f} | {rate * megabytes / len(messages):.2f} | {rate / base:.2f} "
            f"| {fine} / {failed} {kind} | {each} |"
        )


if __name__ == "__main__":
    main()
