"""Fork server of the kill trials: imports a child program once, then forks one process per run.

Importing a child program costs seconds of CPU (``hatchway.outbox`` pulls in SciPy and
pydantic-ai), more than a trial's work, so a fresh interpreter per trial made the trials
start-up bound. This server imports the program (not as ``__main__``) and then, per
request, forks: the forked process is a child that has done its imports and nothing else
(no connection, no socket, no thread) and runs ``main()`` exactly as a freshly started one
would, then exits through the interpreter's normal shutdown. SIGKILL hits it as it hits any
process.

argv: the child program's path, its JSON config (the forked child's ``sys.argv[1]``), and
the number of the control socket's fd (``SOCK_SEQPACKET``, one request per packet):

* ``spawn`` with one socket fd attached: fork; the child gets that socket as stdin and
  stdout. Reply ``pid <n>``.
* ``wait <n>``: reap child ``n``. Reply ``exit <n> <code>`` (Popen's convention: ``-9``
  for SIGKILL). Until then the child stays a zombie, so its pid is never reused under a
  pending ``kill``.

``ready`` is sent once the imports are done; end of file on the channel kills and reaps
any child left, then the server exits.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from types import ModuleType


def load(script: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"fault_child_{script.stem}", script)
    assert spec is not None and spec.loader is not None, script
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # A thread started by an import would not survive fork(): refuse rather than misbehave.
    assert threading.active_count() == 1, f"{script.name} started threads on import"
    return module


def serve(control: socket.socket) -> int:
    """Answer requests until end of file; returns only in a forked child, with its socket fd."""
    children: set[int] = set()
    while True:
        request, fds, _, _ = socket.recv_fds(control, 64, 1)
        if not request:
            for pid in children:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            raise SystemExit(0)
        if request == b"spawn":
            (fd,) = fds
            pid = os.fork()
            if pid == 0:
                control.close()
                return fd
            os.close(fd)
            children.add(pid)
            control.send(f"pid {pid}".encode())
        else:
            verb, number = request.split()
            assert verb == b"wait", request
            pid = int(number)
            _, status = os.waitpid(pid, 0)
            children.discard(pid)
            control.send(f"exit {pid} {os.waitstatus_to_exitcode(status)}".encode())


def main() -> None:
    script, config, control_fd = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    control = socket.socket(fileno=control_fd)
    module = load(script)
    control.send(b"ready")
    channel = serve(control)
    # The forked child: its channel becomes stdin and stdout (both still unread, unwritten).
    os.dup2(channel, 0)
    os.dup2(channel, 1)
    os.close(channel)
    sys.argv = [str(script), config]
    module.main()


if __name__ == "__main__":
    main()
