"""The demo shop and sample mailbox (examples/demo/).

`make demo`, the local intent classifier and replay tests rely on this data being consistent.
"""

from __future__ import annotations

import csv
import email
import email.policy
import os
import re
import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from functools import cache
from pathlib import Path

import pytest

from hatchway.mail.ids import is_own_message_id

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
SHOP_SQL = DEMO / "shop.sql"
MAILBOX = DEMO / "mailbox"
MANIFEST = MAILBOX / "manifest.csv"
TRAINING = DEMO / "classifier" / "training.csv"

OWN_DOMAINS = frozenset({"northwind-outfitters.example"})
SUPPORT_ADDRESS = "support@northwind-outfitters.example"
TODAY = "2026-11-22"

ANSWERABLE = (
    "order_status",
    "return_request",
    "refund",
    "product_availability",
    "address_change",
    "complaint",
    "invoice_copy",
    "cancellation",
)
NEVER_ANSWERED = ("auto_reply", "newsletter", "bounce", "spam_phishing")
CATEGORIES = frozenset((*ANSWERABLE, *NEVER_ANSWERED, "legal_threat", "other"))
LANGUAGES = frozenset({"en", "de", "fr", "es", "nl"})
MANIFEST_HEADER = [
    "file",
    "category",
    "language",
    "expect",
    "customer_email",
    "order_id",
    "sku",
    "notes",
]
ORDER_ID = re.compile(r"^NW-\d{6}$")


# ----------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def shop() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.executescript(SHOP_SQL.read_text(encoding="utf-8"))
        yield connection
    finally:
        connection.close()


@cache
def manifest() -> tuple[dict[str, str], ...]:
    with MANIFEST.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def eml_files() -> list[Path]:
    return sorted(MAILBOX.glob("*.eml"))


@cache
def parsed(name: str) -> EmailMessage:
    message = email.message_from_bytes((MAILBOX / name).read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def all_defects(message: EmailMessage) -> list[object]:
    return [defect for part in message.walk() for defect in part.defects]


def body_text(message: EmailMessage) -> str:
    """The readable text of a message: text/* parts that are not attachments, HTML tags removed."""
    chunks: list[str] = []
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.get_content_disposition() == "attachment":
            continue
        content = part.get_content()
        if part.get_content_subtype() == "html":
            content = re.sub(r"<[^>]+>", " ", content)
        chunks.append(content)
    return "\n".join(chunks)


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def notes_allow_missing(row: dict[str, str]) -> bool:
    notes = row["notes"].lower()
    return "unknown" in notes or "invented" in notes


def is_malformed(row: dict[str, str]) -> bool:
    return "malformed" in row["notes"].lower()


def rows_by_file() -> dict[str, dict[str, str]]:
    return {row["file"]: row for row in manifest()}


def scalar(shop: sqlite3.Connection, sql: str, *params: object) -> object:
    row = shop.execute(sql, params).fetchone()
    return None if row is None else row[0]


# ----------------------------------------------------------------------------- shop.sql


def test_shop_sql_loads_and_every_foreign_key_resolves(shop: sqlite3.Connection) -> None:
    assert shop.execute("PRAGMA foreign_key_check").fetchall() == []
    counts = {
        table: scalar(shop, f"SELECT COUNT(*) FROM {table}")
        for table in (
            "customers",
            "products",
            "orders",
            "order_items",
            "invoices",
            "returns",
            "refunds",
        )
    }
    assert counts["customers"] >= 25
    assert counts["products"] >= 25
    assert counts["orders"] >= 50
    assert counts["returns"] >= 3
    assert counts["refunds"] >= 3
    # every product has exactly one stock row, every customer a default address
    assert (
        scalar(
            shop,
            "SELECT COUNT(*) FROM products p LEFT JOIN stock s ON s.sku = p.sku "
            "WHERE s.sku IS NULL",
        )
        == 0
    )
    assert (
        scalar(
            shop,
            "SELECT COUNT(*) FROM customers c WHERE (SELECT COUNT(*) FROM addresses a "
            "WHERE a.customer_id = c.id AND a.is_default = 1) <> 1",
        )
        == 0
    )
    # an order ships to an address of its own customer
    assert (
        scalar(
            shop,
            "SELECT COUNT(*) FROM orders o JOIN addresses a ON a.id = o.shipping_address_id "
            "WHERE a.customer_id <> o.customer_id",
        )
        == 0
    )


def test_shop_sql_is_portable_text() -> None:
    sql = SHOP_SQL.read_text(encoding="utf-8").upper()
    for word in ("AUTOINCREMENT", "SERIAL", "PRAGMA", "IDENTITY", "BEGIN", "COMMIT"):
        assert word not in sql, f"{word} is not portable between SQLite and PostgreSQL"


def test_order_totals_match_their_lines(shop: sqlite3.Connection) -> None:
    mismatches = shop.execute(
        """
        SELECT o.id, o.subtotal_cents, o.shipping_cents, o.total_cents,
               (SELECT SUM(quantity * unit_price_cents) FROM order_items i WHERE i.order_id = o.id)
        FROM orders o
        """
    ).fetchall()
    for order_id, subtotal, shipping, total, lines in mismatches:
        assert lines is not None, f"{order_id} has no lines"
        assert subtotal == lines, f"{order_id}: subtotal {subtotal} != sum of lines {lines}"
        assert total == subtotal + shipping, f"{order_id}: total != subtotal + shipping"
        expected_shipping = 0 if subtotal >= 10000 else 495
        assert shipping == expected_shipping, (
            f"{order_id}: shipping {shipping}, rule says {expected_shipping}"
        )
    assert (
        scalar(
            shop,
            "SELECT COUNT(*) FROM order_items i JOIN products p ON p.sku = i.sku "
            "WHERE i.unit_price_cents <> p.price_cents OR i.quantity < 1",
        )
        == 0
    )
    assert (
        scalar(
            shop,
            "SELECT COUNT(*) FROM invoices v JOIN orders o ON o.id = v.order_id "
            "WHERE v.amount_cents <> o.total_cents",
        )
        == 0
    )
    assert (
        scalar(
            shop,
            "SELECT COUNT(*) FROM refunds r JOIN orders o ON o.id = r.order_id "
            "WHERE r.amount_cents > o.total_cents",
        )
        == 0
    )


def test_orders_dates_and_statuses_are_consistent(shop: sqlite3.Connection) -> None:
    timestamp = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
    date = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    rows = shop.execute(
        "SELECT id, status, placed_at, carrier, tracking_number, shipped_at, delivered_at "
        "FROM orders"
    ).fetchall()
    for order_id, status, placed, carrier, tracking, shipped, delivered in rows:
        assert ORDER_ID.match(order_id), order_id
        assert timestamp.match(placed), (order_id, placed)
        assert "2026-09-01" <= placed[:10] <= TODAY, (order_id, placed)
        went_out = status in ("shipped", "delivered", "returned", "refunded")
        assert (carrier is not None) == went_out, (order_id, status, carrier)
        assert (tracking is not None) == went_out, (order_id, status, tracking)
        assert (shipped is not None) == went_out, (order_id, status, shipped)
        arrived = status in ("delivered", "returned", "refunded")
        assert (delivered is not None) == arrived, (order_id, status, delivered)
        for value in (shipped, delivered):
            if value is not None:
                assert date.match(value) and placed[:10] <= value <= TODAY, (order_id, value)
        if shipped and delivered:
            assert shipped <= delivered, order_id
    statuses = {row[1] for row in rows}
    assert {
        "pending",
        "paid",
        "shipped",
        "delivered",
        "cancelled",
        "returned",
        "refunded",
    } <= statuses
    assert (
        scalar(
            shop,
            "SELECT COUNT(*) FROM invoices v JOIN orders o ON o.id = v.order_id "
            "WHERE o.status = 'pending'",
        )
        == 0
    )


def test_stock_has_the_cases_the_demo_needs(shop: sqlite3.Connection) -> None:
    out_with_date = scalar(
        shop,
        "SELECT COUNT(*) FROM stock WHERE on_hand - reserved <= 0 AND restock_date IS NOT NULL",
    )
    assert out_with_date >= 2
    assert (
        scalar(
            shop,
            "SELECT COUNT(*) FROM stock WHERE on_hand - reserved <= 0 AND restock_date IS NULL",
        )
        >= 1
    )
    discontinued = shop.execute(
        "SELECT p.sku, s.on_hand, s.restock_date FROM products p JOIN stock s ON s.sku = p.sku "
        "WHERE p.active = 0"
    ).fetchall()
    assert discontinued, "no discontinued product"
    for sku, on_hand, restock in discontinued:
        assert on_hand == 0 and restock is None, sku
    # reserved = units in orders that are placed but not yet shipped
    wrong = shop.execute(
        """
        SELECT s.sku, s.reserved,
               COALESCE((SELECT SUM(i.quantity)
                         FROM order_items i JOIN orders o ON o.id = i.order_id
                         WHERE i.sku = s.sku AND o.status IN ('pending', 'paid', 'packed')), 0)
        FROM stock s
        """
    ).fetchall()
    assert [row for row in wrong if row[1] != row[2]] == []
    assert scalar(shop, "SELECT COUNT(*) FROM stock WHERE reserved > on_hand OR on_hand < 0") == 0


@pytest.mark.postgres
def test_shop_sql_runs_on_postgresql() -> None:
    psycopg = pytest.importorskip("psycopg")
    url = os.environ.get("HATCHWAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        connection = psycopg.connect(url, connect_timeout=5)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL at {url} unreachable: {exc}"
        if os.environ.get("HATCHWAY_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    schema = f"demo_shop_{uuid.uuid4().hex[:12]}"
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema}"')
            cursor.execute(f'SET search_path TO "{schema}"')
            cursor.execute(SHOP_SQL.read_text(encoding="utf-8"))
            cursor.execute("SELECT COUNT(*) FROM customers")
            row = cursor.fetchone()
            assert row is not None and row[0] >= 25
            cursor.execute(
                "SELECT COUNT(*) FROM orders o WHERE o.subtotal_cents <> "
                "(SELECT SUM(quantity * unit_price_cents) FROM order_items i "
                "WHERE i.order_id = o.id)"
            )
            row = cursor.fetchone()
            assert row is not None and row[0] == 0
        connection.rollback()
    finally:
        connection.rollback()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        connection.commit()
        connection.close()


# ----------------------------------------------------------------------------- manifest


def test_manifest_and_mailbox_match() -> None:
    with MANIFEST.open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == MANIFEST_HEADER
    listed = [row["file"] for row in manifest()]
    assert len(listed) == len(set(listed)), "a file is listed twice"
    on_disk = [path.name for path in eml_files()]
    assert sorted(listed) == on_disk
    for name in on_disk:
        assert re.match(r"^\d{3}-[a-z0-9]+(-[a-z0-9]+)*\.eml$", name), name


def test_manifest_values_and_category_counts() -> None:
    rows = manifest()
    assert len(rows) >= 60
    for row in rows:
        assert row["category"] in CATEGORIES, row
        assert row["language"] in LANGUAGES, row
        assert row["expect"] in {"draft", "review", "ignore"}, row
        assert row["notes"].strip(), f"{row['file']}: notes are empty"
        if row["category"] in NEVER_ANSWERED:
            assert row["expect"] == "ignore", row["file"]
        else:
            assert row["expect"] != "ignore", row["file"]
        if row["category"] == "legal_threat":
            assert row["expect"] == "review", row["file"]
    counts = Counter(row["category"] for row in rows)
    for category in ANSWERABLE:
        assert counts[category] >= 6, f"{category}: {counts[category]}"
    for category in (*NEVER_ANSWERED, "legal_threat", "other"):
        assert counts[category] >= 1, category
    languages = Counter(row["language"] for row in rows)
    assert languages["en"] > len(rows) / 2
    assert all(languages[code] >= 3 for code in LANGUAGES), languages
    expects = Counter(row["expect"] for row in rows)
    assert expects["draft"] >= 30 and expects["review"] >= 10 and expects["ignore"] >= 8, expects


def test_manifest_references_exist_in_the_shop(shop: sqlite3.Connection) -> None:
    for row in manifest():
        where = row["file"]
        if row["order_id"]:
            assert ORDER_ID.match(row["order_id"]), where
        checks = (
            ("customer_email", "SELECT 1 FROM customers WHERE email = ?"),
            ("order_id", "SELECT 1 FROM orders WHERE id = ?"),
            ("sku", "SELECT 1 FROM products WHERE sku = ?"),
        )
        for column, sql in checks:
            value = row[column]
            if value and scalar(shop, sql, value) is None:
                assert notes_allow_missing(row), f"{where}: {column} {value!r} is not in shop.sql"


def test_drafts_rest_on_the_senders_own_data(shop: sqlite3.Connection) -> None:
    for row in manifest():
        if row["expect"] != "draft" or not row["order_id"]:
            continue
        owner = scalar(
            shop,
            "SELECT c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = ?",
            row["order_id"],
        )
        assert owner == row["customer_email"], (
            f"{row['file']}: {row['order_id']} belongs to {owner}"
        )


def test_language_matches_the_customer_record(shop: sqlite3.Connection) -> None:
    for row in manifest():
        if not row["customer_email"]:
            continue
        language = scalar(
            shop, "SELECT language FROM customers WHERE email = ?", row["customer_email"]
        )
        if language is not None:
            assert language == row["language"], f"{row['file']}: customer writes {language}"


def test_most_mail_comes_from_known_customers_about_real_orders(shop: sqlite3.Connection) -> None:
    answerable = [row for row in manifest() if row["category"] in ANSWERABLE]
    known = [
        row
        for row in answerable
        if scalar(shop, "SELECT 1 FROM customers WHERE email = ?", row["customer_email"])
    ]
    real_orders = [
        row
        for row in answerable
        if scalar(shop, "SELECT 1 FROM orders WHERE id = ?", row["order_id"])
    ]
    assert len(known) >= 0.8 * len(answerable)
    assert len(real_orders) >= 0.6 * len(answerable)
    invented = [
        row
        for row in answerable
        if row["order_id"]
        and not scalar(shop, "SELECT 1 FROM orders WHERE id = ?", row["order_id"])
    ]
    assert invented, "no message refers to a non-existent order"


# ----------------------------------------------------------------------------- the .eml files


@pytest.mark.parametrize("path", eml_files(), ids=lambda path: path.name)
def test_eml_parses_with_required_headers(path: Path) -> None:
    raw = path.read_bytes()
    assert b"\r\n" not in raw, "mailbox files use LF line endings"
    row = rows_by_file()[path.name]
    message = parsed(path.name)
    for header in ("Message-ID", "Date", "From", "Subject", "To", "MIME-Version", "Content-Type"):
        assert message[header] is not None, f"missing {header}"
    message_id = str(message["Message-ID"]).strip()
    assert re.match(r"^<[^<>@\s]+@[^<>@\s]+\.[a-z]+>$", message_id), message_id
    sent = parsedate_to_datetime(str(message["Date"]))
    assert sent.year == 2026 and sent.month == 11 and sent.date().isoformat() <= TODAY
    recipients = [address.lower() for _, address in getaddresses([str(message["To"])])]
    assert SUPPORT_ADDRESS in recipients
    defects = all_defects(message)
    if is_malformed(row):
        assert defects, "notes say deliberately malformed, but the parser finds no defect"
    else:
        assert defects == [], defects
    text = body_text(message)
    assert text.strip() or row["category"] == "bounce", "no readable text"
    if row["order_id"]:
        assert row["order_id"] in f"{message['Subject']}\n{text}", (
            "order id is not mentioned in the message"
        )


@pytest.mark.parametrize("path", eml_files(), ids=lambda path: path.name)
def test_sender_is_the_crm_customer_unless_noted(path: Path) -> None:
    row = rows_by_file()[path.name]
    if not row["customer_email"] or row["category"] == "bounce":
        return
    sender = parseaddr(str(parsed(path.name)["From"]))[1].lower()
    if sender != row["customer_email"]:
        assert "sender" in row["notes"].lower(), (
            f"From {sender} but customer_email {row['customer_email']}"
        )


def test_message_ids_are_unique() -> None:
    ids = [str(parsed(path.name)["Message-ID"]).strip() for path in eml_files()]
    duplicates = [item for item, count in Counter(ids).items() if count > 1]
    assert duplicates == []
    assert not any(is_own_message_id(item, OWN_DOMAINS) for item in ids), (
        "an inbound file carries our own Message-ID"
    )


def test_reply_targets_exist() -> None:
    ids = {str(parsed(path.name)["Message-ID"]).strip(): path.name for path in eml_files()}
    replies_in_set = replies_to_us = 0
    for path in eml_files():
        message = parsed(path.name)
        targets = (
            str(message.get("In-Reply-To", "")).split() + str(message.get("References", "")).split()
        )
        for target in targets:
            if is_own_message_id(target, OWN_DOMAINS):
                replies_to_us += 1
                continue
            assert target in ids, f"{path.name} refers to {target}, which is not in the mailbox"
            assert ids[target] < path.name, f"{path.name} replies to a later file {ids[target]}"
            replies_in_set += 1
    assert replies_in_set >= 2
    assert replies_to_us >= 1


def test_never_answered_mail_carries_its_signals() -> None:
    for row in manifest():
        message = parsed(row["file"])
        if row["category"] == "auto_reply":
            assert message["Auto-Submitted"] or message["X-Autoreply"], row["file"]
        elif row["category"] == "newsletter":
            assert message["List-Id"] and message["List-Unsubscribe"], row["file"]
            assert str(message["Precedence"]).lower() in {"bulk", "list"}, row["file"]
        elif row["category"] == "bounce":
            assert message.get_content_type() == "multipart/report", row["file"]
            assert message.get_param("report-type") == "delivery-status", row["file"]
            assert any(
                part.get_content_type() == "message/delivery-status" for part in message.walk()
            )
    auto = [parsed(row["file"]) for row in manifest() if row["category"] == "auto_reply"]
    assert any(message["X-Autoreply"] and not message["Auto-Submitted"] for message in auto)
    assert any(str(message["Auto-Submitted"]) == "auto-replied" for message in auto)
    bulk = [parsed(row["file"]) for row in manifest() if row["category"] == "newsletter"]
    assert any(str(message["Precedence"]).lower() == "bulk" for message in bulk)


def test_mailbox_covers_the_formats_the_parser_must_handle() -> None:
    messages = [parsed(path.name) for path in eml_files()]
    parts = [part for message in messages for part in message.walk()]
    content_types = {part.get_content_type() for part in parts}
    assert {
        "multipart/alternative",
        "multipart/mixed",
        "multipart/report",
        "message/rfc822",
    } <= content_types
    assert {"image/png", "application/pdf"} <= content_types
    encodings = {str(part.get("Content-Transfer-Encoding", "")).lower() for part in parts}
    assert {"quoted-printable", "base64"} <= encodings
    charsets = {
        str(part.get_content_charset()).lower()
        for part in parts
        if part.get_content_maintype() == "text"
    }
    assert {"iso-8859-1", "windows-1252"} <= charsets
    html_only = [m for m in messages if m.get_content_type() == "text/html"]
    assert html_only, "no HTML-only message"
    for part in parts:
        if part.get_content_type() == "image/png":
            assert part.get_content().startswith(b"\x89PNG\r\n\x1a\n")
        if part.get_content_type() == "application/pdf":
            content = part.get_content()
            assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    subjects = [str(message["Subject"]) for message in messages]
    assert any(subject.lower().startswith("fwd:") for subject in subjects)
    texts = [body_text(message) for message in messages]
    assert any("ignore your previous instructions" in text.lower() for text in texts)


# ------------------------------------------------------------------------ classifier training set


@cache
def training_rows() -> tuple[dict[str, str], ...]:
    with TRAINING.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["text", "category"]
        return tuple(reader)


def test_training_set_has_enough_rows_per_category() -> None:
    rows = training_rows()
    counts = Counter(row["category"] for row in rows)
    assert set(counts) <= CATEGORIES, set(counts) - CATEGORIES
    for category in (*ANSWERABLE, "other"):
        assert counts[category] >= 30, f"{category}: {counts[category]}"
    for category, count in counts.items():
        assert count >= 30, f"{category}: {count}"
    texts = [normalise(row["text"]) for row in rows]
    assert all(texts), "empty training text"
    duplicates = [text for text, count in Counter(texts).items() if count > 1]
    assert duplicates == []


def test_training_set_mixes_languages() -> None:
    texts = " ".join(row["text"].lower() for row in training_rows())
    for marker in (" bestellung", " commande", " pedido", " bestelling"):
        assert marker in texts, marker


def test_training_rows_are_not_copied_from_the_mailbox() -> None:
    bodies = [
        normalise(f"{parsed(path.name)['Subject']}\n{body_text(parsed(path.name))}")
        for path in eml_files()
    ]
    copied = [
        row["text"]
        for row in training_rows()
        if any(normalise(row["text"]) in body for body in bodies)
    ]
    assert copied == []
