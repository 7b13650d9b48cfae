"""Child program of test_kill_send: relay the outbox until nothing is due.

argv[1] is JSON: ``{"database_url", "smtp_port", "from_address", "imap": {ImapSettings
fields}, "outbox": {OutboxSettings fields}}``. Prints ``ready`` when its imports are done,
waits for ``go`` on stdin, then calls ``OutboxRelay.relay_once()`` until a pass does
nothing, printing each pass's result and ``done`` at the end. The parent kills it with
SIGKILL somewhere in between.
"""

from __future__ import annotations

import json
import sys
from email.message import EmailMessage

from hatchway.connectors.imap import ImapSettings, MailboxClient, connect_with_retry
from hatchway.connectors.smtp import MailSender, SendReceipt, SmtplibMailSender, SmtpSettings
from hatchway.outbox import OutboxRelay, OutboxSettings, RelayResult
from hatchway.outbox.sent_folder import ImapSentFolder
from hatchway.store import Database


class TracingSender:
    """Prints each hand-off to SMTP and its answer, so a kill point can be told afterwards."""

    def __init__(self, sender: MailSender) -> None:
        self.sender = sender

    def send(self, message: EmailMessage) -> SendReceipt:
        print(f"smtp start {message['Message-ID']}", flush=True)
        receipt = self.sender.send(message)
        print(f"smtp accepted {message['Message-ID']}", flush=True)
        return receipt


def main() -> None:
    config = json.loads(sys.argv[1])
    imap = ImapSettings(**config["imap"])
    smtp = SmtpSettings(
        host="127.0.0.1",
        port=config["smtp_port"],
        security="none",
        from_address=config["from_address"],
        timeout_seconds=10,
    )
    settings = OutboxSettings(**config["outbox"])
    # The engine (and with it the database driver's import) is made before "ready": the
    # parent's kill is meant for the work, not for start-up. It connects only after "go".
    database = Database(config["database_url"])
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return

    def connect() -> MailboxClient:
        return connect_with_retry(imap, attempts=3, initial_wait=0.1)

    relay = OutboxRelay(
        database,
        TracingSender(SmtplibMailSender(smtp)),
        settings,
        sent_folder=ImapSentFolder(connect, "Sent"),
    )
    try:
        while True:
            result = relay.relay_once()
            print(
                f"pass sent={result.sent} returned={result.returned} "
                f"recovered={result.recovered} retried={result.retried}",
                flush=True,
            )
            if result == RelayResult():
                break
    finally:
        database.dispose()
    print("done", flush=True)


if __name__ == "__main__":
    main()
