"""Shared machinery of the kill -9 trials: trial counts, seeds, and the child launcher.

A child program (``_ingest_child.py``, ``_relay_child.py``) is started with
``sys.executable``, prints ``ready`` once its imports are done, then waits for a ``go`` line
on stdin before it touches the database or a server. The launcher starts the *next* child
while the current one works, so Python's start-up (about a second here) overlaps the
previous trial instead of adding to it; the kill itself always hits a child that is past
``go``, i.e. inside the work, never inside the interpreter's start-up.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import selectors
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from hatchway.connectors.imap import ImapSettings

__all__ = [
    "FAULT_TEST_TIMEOUT",
    "ChildLauncher",
    "ChildRun",
    "WorkClock",
    "base_seed",
    "fault_trials",
    "imap_config",
    "trial_rng",
]

DEFAULT_TRIALS = 50
# Seconds one fault test may take (pytest-timeout), for its 50+ trials on a busy runner.
FAULT_TEST_TIMEOUT = 1800
READY_TIMEOUT = 60.0
FINISH_TIMEOUT = 120.0
REPO_ROOT = Path(__file__).resolve().parents[2]


def fault_trials() -> int:
    """Kill trials per test: ``HATCHWAY_FAULT_TRIALS``, default 50 (what CI runs)."""
    return int(os.environ.get("HATCHWAY_FAULT_TRIALS", DEFAULT_TRIALS))


def base_seed() -> int:
    """``HATCHWAY_FAULT_SEED`` to replay a run, else a fresh seed (printed in every failure)."""
    given = os.environ.get("HATCHWAY_FAULT_SEED")
    return int(given) if given else random.SystemRandom().randrange(1, 2**31)


def imap_config(settings: ImapSettings) -> dict[str, Any]:
    """ImapSettings as JSON for a child's argv, password included."""
    data = settings.model_dump(mode="json", exclude={"password", "oauth2_token"})
    assert settings.password is not None
    data["password"] = settings.password.get_secret_value()
    return data


def trial_rng(seed: int, trial: int) -> random.Random:
    """The random stream of one trial: same seed and trial number, same workload and delay."""
    return random.Random(f"{seed}:{trial}")


@dataclass
class ChildRun:
    """How one child run ended.

    ``delay``: seconds after ``go`` that SIGKILL was sent (None: not killed); ``lines``:
    what the child printed, each with the seconds after ``go`` the parent read it.
    """

    delay: float | None
    returncode: int
    lines: list[tuple[float, str]] = field(default_factory=list)

    @property
    def output(self) -> list[str]:
        return [line for _, line in self.lines]

    @property
    def done_after(self) -> float | None:
        """Seconds from ``go`` to the child's ``done``; None when it was killed before."""
        return next((at for at, line in self.lines if line == "done"), None)

    @property
    def finished_work(self) -> bool:
        """The child said ``done``: the kill (if any) came after the work."""
        return self.done_after is not None

    @property
    def kill_point(self) -> str:
        """The child's last word before it died, numbers and Message-IDs blanked out."""
        if not self.lines:
            return "(before its first line)"
        return re.sub(r"<[^>]*>|\d+", "#", self.lines[-1][1])

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL

    def describe(self) -> str:
        """The kill point: when the signal went, and what the child had said by then."""
        when = (
            "not killed" if self.delay is None else f"SIGKILL {self.delay * 1000:.0f} ms after go"
        )
        said = [f"{at * 1000:.0f}ms {line}" for at, line in self.lines]
        return f"{when}, exit {self.returncode}; child output: {said}"


class WorkClock:
    """How long the child's work takes, learnt from the runs that finished it.

    Kill delays fall inside the work: half of them anywhere from ``go`` to the typical
    ``done``, half from the typical first output line (a child's first commit or hand-off;
    before it come connecting and logging in) to ``done``, where the commit points are.
    """

    def __init__(self) -> None:
        self.first_lines: list[float] = []
        self.durations: list[float] = []

    def observe(self, run: ChildRun) -> None:
        if run.done_after is not None:
            self.durations.append(run.done_after)
            self.first_lines.append(run.lines[0][0])

    @property
    def typical(self) -> float:
        """Median seconds from ``go`` to ``done``."""
        assert self.durations, "no run has finished its work yet"
        return statistics.median(self.durations)

    def draw(self, rng: random.Random) -> float:
        """A kill delay in seconds after ``go``."""
        end = self.typical
        start = 0.0 if rng.random() < 0.5 else min(statistics.median(self.first_lines), end)
        return rng.uniform(start, end)


class ChildLauncher:
    """Runs a child program again and again, each run killed after a delay or not at all."""

    def __init__(self, script: Path, config: dict[str, Any], log_path: Path) -> None:
        self.script = script
        self.argv = [sys.executable, "-P", str(script), json.dumps(config)]
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("ab")
        self._next: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        self._next = self._spawn()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._next is not None:
            _kill_and_reap(self._next)
            self._next = None
        self._log.close()

    def _spawn(self) -> subprocess.Popen[bytes]:
        path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": path}
        return subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            bufsize=0,  # unbuffered: lines are read with os.read as they come
            cwd=REPO_ROOT,
            env=env,
        )

    def run(self, kill_after: float | None, *, last: bool = False) -> ChildRun:
        """Start the waiting child's work; SIGKILL it ``kill_after`` seconds later (or never).

        Unless this is the ``last`` run, the next child is started meanwhile.
        """
        process, self._next = self._next or self._spawn(), None
        try:
            self._await_ready(process)
            if not last:
                self._next = self._spawn()  # its start-up overlaps this run's work
            assert process.stdin is not None and process.stdout is not None
            started = time.monotonic()
            process.stdin.write(b"go\n")
            limit = FINISH_TIMEOUT if kill_after is None else kill_after
            reader = _LineReader(process.stdout.fileno(), started)
            reader.read_until(started + limit)
            if kill_after is not None:
                process.send_signal(signal.SIGKILL)  # a zombie that already exited ignores it
            returncode = process.wait(timeout=FINISH_TIMEOUT)
            reader.read_until(time.monotonic() + FINISH_TIMEOUT)  # the rest, up to EOF
        finally:
            _kill_and_reap(process)
        return ChildRun(kill_after, returncode, reader.lines)

    def _await_ready(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout.fileno(), selectors.EVENT_READ)
            readable = selector.select(READY_TIMEOUT)
        # Unbuffered: readline reads no further than the line, the rest stays in the pipe.
        line = process.stdout.readline().strip() if readable else b"(nothing in time)"
        if line != b"ready":
            _kill_and_reap(process)
            raise AssertionError(
                f"{self.script.name} did not start (said {line!r}):\n{self.log_tail()}"
            )

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the children's stderr, for failure messages."""
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]


class _LineReader:
    """Reads a pipe until a deadline or EOF, stamping each line with its arrival time."""

    def __init__(self, fd: int, started: float) -> None:
        self.fd = fd
        self.started = started
        self.lines: list[tuple[float, str]] = []
        self.eof = False
        self._partial = b""

    def read_until(self, deadline: float) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self.fd, selectors.EVENT_READ)
            while not self.eof and (remaining := deadline - time.monotonic()) > 0:
                if not selector.select(remaining):
                    continue
                chunk = os.read(self.fd, 65536)
                at = time.monotonic() - self.started
                if not chunk:
                    self.eof = True
                self._partial += chunk
                *complete, self._partial = self._partial.split(b"\n")
                self.lines += [(at, line.decode().strip()) for line in complete]


def _kill_and_reap(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=FINISH_TIMEOUT)
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with contextlib.suppress(BrokenPipeError):
                stream.close()
