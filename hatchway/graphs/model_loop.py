"""One event loop, in a thread of its own, that the graph's model calls run on.

Graph nodes are synchronous and run in the worker's job threads; pydantic-ai's models are
async, and their HTTP clients keep pooled connections that belong to the event loop that
opened them. A fresh ``asyncio.run`` per call would strand those connections on closed loops
(leaked sockets, and "Event loop is closed" when the pool hands one out again). Submitting
every call to one long-lived loop keeps the pool usable, and lets many graph runs wait on
the network at once without a loop per thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from functools import cache
from typing import Any, TypeVar

__all__ = ["ModelLoop", "process_model_loop"]

ResultT = TypeVar("ResultT")


class ModelLoop:
    """A lazily started event loop in a daemon thread; :meth:`run` blocks the caller only."""

    def __init__(self, name: str = "model-calls") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def run(self, call: Coroutine[Any, Any, ResultT], *, timeout: float) -> ResultT:
        """Run ``call`` on the loop; cancelled with ``TimeoutError`` after ``timeout`` seconds."""
        future = asyncio.run_coroutine_threadsafe(
            asyncio.wait_for(call, timeout=timeout), self._started()
        )
        return future.result()

    def close(self) -> None:
        """Stop the loop and its thread (a later :meth:`run` starts a new one)."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

    def _started(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name=self._name, daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop


@cache
def process_model_loop() -> ModelLoop:
    """The loop this process's triage graphs share (one pool of provider connections)."""
    return ModelLoop()
