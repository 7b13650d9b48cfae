"""Loop signals (invariant I6): each kind, a normal customer mail with none, our own mail."""

from __future__ import annotations

import pytest

from hatchway.mail.ids import make_message_id
from hatchway.mail.parse import ParsedEmail, parse_message
from hatchway.mail.signals import (
    RULES,
    SIGNAL_HEADERS,
    LoopSignal,
    LoopSignalKind,
    should_never_answer,
)
from tests.mail._eml import eml

OWN = frozenset({"shop.example"})
CUSTOMER = eml(
    """
    From: Anna Schmidt <anna@example.com>
    To: support@shop.example
    Subject: Re: Your order 1234
    Message-ID: <CAF1@mail.example.com>
    In-Reply-To: <hw.0123@shop.example>
    Return-Path: <anna@example.com>
    Precedence: first-class
    Auto-Submitted: no

    Thanks, but the parcel has not arrived.
    """
)


def parse(raw: bytes) -> ParsedEmail:
    result = parse_message(raw, own_domains=OWN)
    assert isinstance(result, ParsedEmail), result
    return result


def with_headers(*lines: str, subject: str = "Hello", sender: str = "anna@example.com") -> bytes:
    head = "\r\n".join([f"From: {sender}", f"Subject: {subject}", *lines])
    return f"{head}\r\n\r\nbody\r\n".encode()


def kinds(raw: bytes) -> set[LoopSignalKind]:
    return {signal.kind for signal in parse(raw).loop_signals}


def test_normal_customer_mail_has_no_signal() -> None:
    mail = parse(CUSTOMER)
    assert mail.loop_signals == ()
    assert not should_never_answer(mail)


@pytest.mark.parametrize(
    "raw",
    [
        with_headers("Auto-Submitted: auto-replied"),
        with_headers("Auto-Submitted: auto-generated; owner-email=x@example.com"),
        with_headers("X-Autoreply: yes"),
        with_headers("X-Autorespond: vacation"),
        with_headers("X-Auto-Response-Suppress: DR, OOF, AutoReply"),
        with_headers("X-Auto-Response-Suppress: All"),
        with_headers("X-MS-Exchange-Inbox-Rules-Loop: anna@example.com"),
        with_headers(subject="Out of Office: Re: order 1234"),
        with_headers(subject="Automatic reply: Your order"),
        with_headers(subject="Abwesenheitsnotiz: Ihre Bestellung"),
        with_headers(subject="Réponse automatique : commande"),
        with_headers(subject="AutoReply"),
    ],
)
def test_auto_submitted(raw: bytes) -> None:
    assert kinds(raw) == {LoopSignalKind.AUTO_SUBMITTED}


def test_subject_merely_mentioning_office_is_not_auto() -> None:
    assert kinds(with_headers(subject="Office chair out of stock?")) == set()


@pytest.mark.parametrize("value", ["bulk", "junk", "list", "Bulk "])
def test_bulk(value: str) -> None:
    assert kinds(with_headers(f"Precedence: {value}")) == {LoopSignalKind.BULK}


@pytest.mark.parametrize(
    "header",
    [
        "List-Id: Shop news <news.shop.example>",
        "List-Unsubscribe: <mailto:unsubscribe@news.example>",
        "List-Post: <mailto:list@lists.example>",
        "Mailing-List: contact list-help@example.org; run by ezmlm",
    ],
)
def test_mailing_list(header: str) -> None:
    assert kinds(with_headers(header)) == {LoopSignalKind.MAILING_LIST}


@pytest.mark.parametrize(
    "raw",
    [
        with_headers("Return-Path: <>"),
        with_headers("X-Failed-Recipients: gone@example.org"),
        with_headers(subject="Undelivered Mail Returned to Sender", sender="root@mx.example"),
    ],
)
def test_bounce_headers(raw: bytes) -> None:
    assert kinds(raw) == {LoopSignalKind.BOUNCE}


def test_bounce_delivery_status_report() -> None:
    raw = eml(
        """
        From: Mail Delivery System <MAILER-DAEMON@mx.example>
        Subject: Mail failure
        Content-Type: multipart/report; report-type=delivery-status; boundary="r"

        --r
        Content-Type: text/plain

        Your message could not be delivered.
        --r
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example

        Final-Recipient: rfc822; gone@example.org
        Action: failed
        Status: 5.1.1
        --r--
        """
    )
    mail = parse(raw)
    evidence = {signal.evidence for signal in mail.loop_signals}
    assert {signal.kind for signal in mail.loop_signals} == {
        LoopSignalKind.BOUNCE,
        LoopSignalKind.NO_REPLY,  # MAILER-DAEMON is also not a reply address
    }
    assert "MIME part: message/delivery-status (delivery report)" in evidence
    assert "From local part: MAILER-DAEMON (mail server)" in evidence


@pytest.mark.parametrize(
    "sender", ["noreply@shop.example.net", "no-reply@x.org", "DoNotReply@bank.example",
               "do_not_reply@x.org", "bounces+123@mailer.example", "bounce@x.org"],
)  # fmt: skip
def test_no_reply_senders(sender: str) -> None:
    assert kinds(with_headers(sender=sender)) == {LoopSignalKind.NO_REPLY}


def test_noreply_sender_with_a_real_reply_to_may_be_answered() -> None:
    # A web shop's contact form: From noreply@, Reply-To the customer who filled it in.
    raw = with_headers("Reply-To: Anna <anna@example.com>", sender="noreply@forms.example")
    assert kinds(raw) == set()


def test_own_message_id() -> None:
    raw = with_headers(f"Message-ID: {make_message_id('shop.example')}")
    mail = parse(raw)
    assert [signal.kind for signal in mail.loop_signals] == [LoopSignalKind.OWN_MESSAGE]
    assert should_never_answer(mail)


def test_own_from_domain_including_subdomains() -> None:
    assert kinds(with_headers(sender="support@shop.example")) == {LoopSignalKind.OWN_MESSAGE}
    assert kinds(with_headers(sender="ops@mail.shop.example")) == {LoopSignalKind.OWN_MESSAGE}
    assert kinds(with_headers(sender="anna@notshop.example")) == set()


def test_own_signals_need_own_domains() -> None:
    raw = with_headers(f"Message-ID: {make_message_id('shop.example')}")
    result = parse_message(raw)
    assert isinstance(result, ParsedEmail)
    assert result.loop_signals == ()


def test_evidence_is_plain_words() -> None:
    mail = parse(with_headers("Precedence: bulk"))
    assert mail.loop_signals == (LoopSignal(LoopSignalKind.BULK, "Precedence: bulk (bulk mail)"),)


def test_every_kind_has_a_rule_and_every_rule_header_is_kept() -> None:
    assert {rule.kind for rule in RULES} == set(LoopSignalKind)
    assert "Precedence" in SIGNAL_HEADERS
    assert "List-Id" in SIGNAL_HEADERS
