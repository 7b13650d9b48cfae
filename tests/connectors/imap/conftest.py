"""The backends the IMAP contract suite runs against: the in-memory fake and a real Dovecot."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from hatchway.connectors.imap import (
    ImapClientMailbox,
    ImapSettings,
    InMemoryAccount,
    MailboxClient,
)
from tests.fixtures.dovecot import DovecotServer

Connect = Callable[[ImapSettings], MailboxClient]


@dataclass
class Backend:
    """One account on one server implementation, plus the levers the tests pull."""

    kind: str
    settings: ImapSettings
    connect_with: Connect
    deliver: Callable[[bytes, str], object]
    reset_uidvalidity: Callable[[str], object]
    make_unreachable: Callable[[], ImapSettings]

    def connect(self, **changes: object) -> MailboxClient:
        """A new logged-in connection, with ``changes`` applied to the settings."""
        return self.connect_with(changed(self.settings, **changes))


def changed(settings: ImapSettings, **changes: object) -> ImapSettings:
    """A validated copy of ``settings`` (``model_copy`` would skip validation)."""
    return ImapSettings.model_validate(settings.model_dump() | changes)


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _fake_backend() -> Backend:
    account = InMemoryAccount(username="alice", password="secret")
    settings = ImapSettings(
        name="fake:alice", host="imap.invalid", security="none", username="alice", password="secret"
    )

    def make_unreachable() -> ImapSettings:
        account.reachable = False
        return settings

    return Backend(
        kind="fake",
        settings=settings,
        connect_with=account.connect,
        deliver=lambda raw, folder: account.deliver(folder, raw),
        reset_uidvalidity=account.reset_uidvalidity,
        make_unreachable=make_unreachable,
    )


def _dovecot_backend(server: DovecotServer) -> Backend:
    user = server.new_user()
    settings = server.settings(user)
    return Backend(
        kind="dovecot",
        settings=settings,
        connect_with=ImapClientMailbox.connect,
        deliver=lambda raw, folder: server.deliver(user, raw, folder),
        reset_uidvalidity=lambda folder: server.reset_uidvalidity(user, folder),
        make_unreachable=lambda: changed(settings, port=closed_port()),
    )


@pytest.fixture(params=["fake", pytest.param("dovecot", marks=pytest.mark.imap)])
def backend(request: pytest.FixtureRequest) -> Backend:
    """A fresh, empty account on each implementation of ``MailboxClient``."""
    if request.param == "fake":
        return _fake_backend()
    return _dovecot_backend(request.getfixturevalue("dovecot"))


@pytest.fixture
def box(backend: Backend) -> Iterator[MailboxClient]:
    """A logged-in connection to ``backend``'s account, closed after the test."""
    with backend.connect() as client:
        yield client
