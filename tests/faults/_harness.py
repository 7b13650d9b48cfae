"""Shared machinery of the kill -9 trials: trial counts, seeds, and the child launcher.

A child program (``_ingest_child.py``, ``_relay_child.py``) prints ``ready`` once it is set
up, then waits for a ``go`` line on stdin before it touches the database or a server. Each
run is a process of its own, forked by ``_forkserver.py`` from an interpreter that imported
the program once: importing it costs 1-4 s of CPU here, more than a trial's work, and used
to be paid again by every trial. The launcher forks the *next* child while the current one
works; the kill always hits a child that is past ``go``, i.e. inside the work.
"""

from __future__ import annotations

import json
import os
import random
import re
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from hatchway.connectors.imap import ImapSettings
from tests.fixtures._process import die_with_parent, stop_process

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
FORK_SERVER = Path(__file__).with_name("_forkserver.py")


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


@dataclass
class _Child:
    """A forked child of the fork server: its pid and our end of its stdin/stdout socket."""

    pid: int
    channel: socket.socket
    reaped: bool = False


class ChildLauncher:
    """Runs a child program again and again, each run killed after a delay or not at all.

    Each run is a process of its own, forked by ``_forkserver.py`` from an interpreter that
    has imported the program once (see there), instead of a fresh ``python`` paying the
    imports again on every trial.
    """

    def __init__(self, script: Path, config: dict[str, Any], log_path: Path) -> None:
        self.script = script
        self.config = json.dumps(config)
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("ab")
        self._server: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._next: _Child | None = None

    def __enter__(self) -> Self:
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
        argv = [sys.executable, "-P", str(FORK_SERVER), str(self.script), self.config]
        with theirs:
            self._server = subprocess.Popen(
                [*argv, str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._log,
                pass_fds=(theirs.fileno(),),
                cwd=REPO_ROOT,
                env={**os.environ, "PYTHONPATH": path},
                preexec_fn=die_with_parent(),
            )
        self._control.settimeout(READY_TIMEOUT)
        try:
            answer = self._control.recv(64)
        except TimeoutError:
            answer = b"(nothing in time)"
        if answer != b"ready":
            said = f"fork server for {self.script.name} did not start (said {answer!r})"
            tail = self.log_tail()
            self.__exit__(None, None, None)
            raise AssertionError(f"{said}:\n{tail}")
        self._control.settimeout(FINISH_TIMEOUT)
        self._next = self._spawn()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._next is not None:
            self._kill_and_reap(self._next)
            self._next = None
        if self._control is not None:
            self._control.close()  # end of file: the server reaps what is left and exits
        if self._server is not None:
            stop_process(self._server, timeout=FINISH_TIMEOUT)
        self._log.close()

    def _request(self, request: bytes, fds: list[int] | None = None) -> list[bytes]:
        assert self._control is not None
        socket.send_fds(self._control, [request], fds or [])
        return self._control.recv(64).split()

    def _spawn(self) -> _Child:
        ours, theirs = socket.socketpair()
        with theirs:
            _, pid = self._request(b"spawn", [theirs.fileno()])
        return _Child(int(pid), ours)

    def _reap(self, child: _Child) -> int:
        """The child's exit code (-9: killed) once it has exited; it is reaped then."""
        try:
            answer = self._request(f"wait {child.pid}".encode())
        except TimeoutError:
            os.kill(child.pid, signal.SIGKILL)  # hung: kill it, take the late answer, say so
            assert self._control is not None
            answer = self._control.recv(64).split()
            child.reaped = True
            hung = f"{self.script.name} did not exit within {FINISH_TIMEOUT:.0f} s"
            raise AssertionError(f"{hung}:\n{self.log_tail()}") from None
        assert answer[:2] == [b"exit", str(child.pid).encode()], answer
        child.reaped = True
        return int(answer[2])

    def _kill_and_reap(self, child: _Child) -> None:
        if not child.reaped:
            os.kill(child.pid, signal.SIGKILL)  # a zombie (exited, not reaped) ignores it
            self._reap(child)
        child.channel.close()

    def run(self, kill_after: float | None, *, last: bool = False) -> ChildRun:
        """Start the waiting child's work; SIGKILL it ``kill_after`` seconds later (or never).

        Unless this is the ``last`` run, the next child is forked meanwhile.
        """
        child, self._next = self._next or self._spawn(), None
        try:
            self._await_ready(child)
            if not last:
                self._next = self._spawn()
            started = time.monotonic()
            child.channel.sendall(b"go\n")
            limit = FINISH_TIMEOUT if kill_after is None else kill_after
            reader = _LineReader(child.channel.fileno(), started)
            reader.read_until(started + limit)
            if kill_after is not None:
                os.kill(child.pid, signal.SIGKILL)  # not reaped yet: never another process
            returncode = self._reap(child)
            reader.read_until(time.monotonic() + FINISH_TIMEOUT)  # the rest, up to EOF
        finally:
            self._kill_and_reap(child)
        return ChildRun(kill_after, returncode, reader.lines)

    def _await_ready(self, child: _Child) -> None:
        """Read the child's first line, byte by byte (nothing after it may be consumed)."""
        line = b""
        deadline = time.monotonic() + READY_TIMEOUT
        with selectors.DefaultSelector() as selector:
            selector.register(child.channel.fileno(), selectors.EVENT_READ)
            while not line.endswith(b"\n") and selector.select(deadline - time.monotonic()):
                byte = os.read(child.channel.fileno(), 1)
                if not byte:
                    break
                line += byte
        if line.strip() != b"ready":
            said = line.strip() or b"(nothing in time)"
            raise AssertionError(
                f"{self.script.name} did not start (said {said!r}):\n{self.log_tail()}"
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
                try:
                    chunk = os.read(self.fd, 65536)
                except ConnectionResetError:  # killed with our "go" still unread
                    chunk = b""
                at = time.monotonic() - self.started
                if not chunk:
                    self.eof = True
                self._partial += chunk
                *complete, self._partial = self._partial.split(b"\n")
                self.lines += [(at, line.decode().strip()) for line in complete]
