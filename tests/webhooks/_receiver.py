"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 (random port) in a thread.

It records every request (path, lower-cased headers, raw body) and answers 200, or what the
test scripted for the next requests: ``{"status": 500}``, ``{"status": 410}``,
``{"delay": 2.0}`` (answer late, to provoke a client timeout), ``{"headers": {...}}``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["ReceivedRequest", "Receiver", "start_receiver"]


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as it arrived."""

    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    """Handle on the running server: its URL, the script and what it received."""

    server: ThreadingHTTPServer
    script: list[dict[str, Any]] = field(default_factory=list)
    received: list[ReceivedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/crm"

    def answer(self, *responses: dict[str, Any]) -> None:
        """Answer the next requests with these, in order (then 200 again)."""
        with self.lock:
            self.script.extend(responses)

    def next_response(self) -> dict[str, Any]:
        with self.lock:
            return self.script.pop(0) if self.script else {}

    def record(self, request: ReceivedRequest) -> None:
        with self.lock:
            self.received.append(request)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        response = self.server.receiver.next_response()
        status = int(response.get("status", 200))
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.receiver.record(ReceivedRequest(self.path, headers, body, status))
        time.sleep(float(response.get("delay", 0)))
        try:
            self.send_response(status)
            for name, value in response.get("headers", {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
        except OSError:  # the client gave up waiting (a timeout test)
            pass

    def log_message(self, format: str, *args: Any) -> None:
        del format, args  # quiet: the tests assert on the recorded requests


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver


def start_receiver() -> Receiver:
    """Start a receiver on a free port; stop it with :meth:`Receiver.stop`."""
    server = _Server(("127.0.0.1", 0), _Handler)
    receiver = Receiver(server)
    server.receiver = receiver
    threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True).start()
    return receiver
