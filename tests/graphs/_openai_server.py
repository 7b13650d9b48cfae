"""A scripted OpenAI-compatible Chat Completions server, run as its own process by the tests.

``python -m tests.graphs._openai_server READY_FILE`` listens on 127.0.0.1 (a free port) and
writes ``{"port": N}`` to READY_FILE once it accepts connections.

Control endpoints (plain JSON, for the test):

* ``POST /_script`` with ``{"steps": [...]}`` replaces the script; each request to
  ``/v1/chat/completions`` consumes the next step, in order. A step is one of
  ``{"output": {...}}`` (a tool call of the request's output tool with these arguments),
  ``{"text": "..."}`` (a plain completion), ``{"malformed": "..."}`` (a tool call whose
  arguments are this text, not JSON), ``{"status": 429, "retry_after": 2}`` (an error
  status, with a Retry-After header when given), each optionally with ``"delay": seconds``
  before the answer (a timeout, when longer than the client waits).
* ``GET /_requests`` returns what was received: ``[{"at": monotonic seconds, "body": {...}}]``.

A request beyond the script gets a 500 whose message says so, so a test cannot pass by luck.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_lock = threading.Lock()
_steps: list[dict[str, Any]] = []
_received: list[dict[str, Any]] = []


def _output_tool(body: dict[str, Any]) -> str:
    names = [tool["function"]["name"] for tool in body.get("tools", [])]
    finals = [name for name in names if name.startswith("final_result")]
    if not (finals or names):
        raise ValueError("the request offers no tool to answer with")
    return (finals or names)[0]


def _completion(body: dict[str, Any], message: dict[str, Any], reason: str) -> dict[str, Any]:
    prompt_chars = sum(len(json.dumps(m)) for m in body.get("messages", []))
    completion_chars = len(json.dumps(message))
    return {
        "id": f"chatcmpl-{len(_received)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "scripted"),
        "choices": [{"index": 0, "message": message, "finish_reason": reason}],
        "usage": {
            "prompt_tokens": prompt_chars // 4,
            "completion_tokens": completion_chars // 4,
            "total_tokens": (prompt_chars + completion_chars) // 4,
        },
    }


def _tool_call(body: dict[str, Any], arguments: str) -> dict[str, Any]:
    call = {
        "id": f"call_{len(_received)}",
        "type": "function",
        "function": {"name": _output_tool(body), "arguments": arguments},
    }
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return _completion(body, message, "tool_calls")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.command} {self.path} {args}\n")

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length", "0"))
        return json.loads(self.rfile.read(length) or b"{}")

    def do_GET(self) -> None:
        if self.path == "/_requests":
            with _lock:
                self._send(200, list(_received))
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        body = self._body()
        if self.path == "/_script":
            with _lock:
                _steps[:] = list(body["steps"])
                _received.clear()
            self._send(200, {"steps": len(_steps)})
            return
        if not self.path.endswith("/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        with _lock:
            _received.append({"at": time.monotonic(), "body": body})
            step = _steps.pop(0) if _steps else None
        if step is None:
            self._send(500, {"error": {"message": "script exhausted: unexpected request"}})
            return
        time.sleep(float(step.get("delay", 0)))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
            self._answer(body, step)

    def _answer(self, body: dict[str, Any], step: dict[str, Any]) -> None:
        if "status" in step:
            headers = {}
            if "retry_after" in step:
                headers["Retry-After"] = str(step["retry_after"])
            error = {"message": f"scripted {step['status']}", "type": "server_error"}
            self._send(int(step["status"]), {"error": error}, headers)
        elif "output" in step:
            self._send(200, _tool_call(body, json.dumps(step["output"])))
        elif "malformed" in step:
            self._send(200, _tool_call(body, str(step["malformed"])))
        elif "text" in step:
            message = {"role": "assistant", "content": str(step["text"])}
            self._send(200, _completion(body, message, "stop"))
        else:
            self._send(500, {"error": {"message": f"unknown script step {step}"}})


def main(ready_file: Path) -> None:
    """Serve until terminated; announce the port in ``ready_file``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    partial = ready_file.with_suffix(".partial")
    partial.write_text(json.dumps({"port": server.server_address[1]}))
    partial.rename(ready_file)
    server.serve_forever()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
