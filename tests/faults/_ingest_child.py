"""Child program of test_kill_ingest: ingest one Dovecot mailbox until nothing is left.

argv[1] is JSON: ``{"database_url": ..., "imap": {ImapSettings fields}}``. Prints ``ready``
when its imports are done, waits for ``go`` on stdin, then runs ``ingest_mailbox`` passes
until a pass finds nothing to fetch, printing ``stored <done>/<to do>`` after every
committed chunk and ``done`` at the end. The parent kills it with SIGKILL somewhere in
between.
"""

from __future__ import annotations

import json
import sys

from hatchway.connectors.imap import ImapSettings, connect_with_retry
from hatchway.ingest import ingest_mailbox
from hatchway.store import Database


def main() -> None:
    config = json.loads(sys.argv[1])
    settings = ImapSettings(**config["imap"])
    # The engine (and with it the database driver's import) is made before "ready": the
    # parent's kill is meant for the work, not for start-up. It connects only after "go".
    database = Database(config["database_url"])
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    try:
        with connect_with_retry(settings, attempts=3, initial_wait=0.1) as client:
            passes = 0
            while True:
                passes += 1
                report = ingest_mailbox(
                    database,
                    client,
                    settings,
                    progress=lambda _name, done, total: print(f"stored {done}/{total}", flush=True),
                )
                print(f"pass {passes}: {report.to_fetch} to fetch", flush=True)
                if report.to_fetch == 0:
                    break
    finally:
        database.dispose()
    print("done", flush=True)


if __name__ == "__main__":
    main()
