"""One contract every CRM adapter passes (fake, SQL on SQLite and PostgreSQL, HTTP)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from hatchway.connectors.crm import CrmConnector, Customer
from tests.connectors.crm.conftest import CrmCase

EMMA = "emma.hughes@mailbox.example"


def test_is_a_crm_connector(crm: CrmConnector) -> None:
    assert isinstance(crm, CrmConnector)


def test_customer_by_email_ignores_case_and_spaces(crm: CrmConnector) -> None:
    customer = crm.customer_by_email("  Emma.Hughes@MAILBOX.example ")
    assert customer is not None
    assert (customer.email, customer.name, customer.tier) == (EMMA, "Emma Hughes", "gold")
    assert customer.lifetime_value == Decimal("1185.05")
    assert (customer.currency, customer.language, customer.open_disputes) == ("EUR", "en", 0)


def test_customer_fields_with_disputes_and_non_ascii_names(crm: CrmConnector) -> None:
    customer = crm.customer_by_email("hannah.mueller@web.example")
    assert customer is not None
    assert (customer.name, customer.tier, customer.language) == ("Hannah Müller", "vip", "de")
    disputed = crm.customer_by_email("connor.walsh@eircom.example")
    assert disputed is not None and disputed.open_disputes == 1 and disputed.phone is None


@pytest.mark.parametrize("address", ["nobody@nowhere.example", "", "emma.hughes"])
def test_unknown_address_is_none(crm: CrmConnector, address: str) -> None:
    assert crm.customer_by_email(address) is None


def test_order_by_id_has_everything_a_reply_needs(crm: CrmConnector) -> None:
    emma = crm.customer_by_email(EMMA)
    order = crm.order_by_id("NW-100201")
    assert emma is not None and order is not None
    assert (order.customer_id, order.status, order.currency) == (emma.id, "delivered", "EUR")
    assert order.placed_at == datetime(2026, 9, 1, 10, 12, 31)
    assert (order.subtotal, order.shipping, order.total) == (
        Decimal("368.00"),
        Decimal("0.00"),
        Decimal("368.00"),
    )
    assert (order.carrier, order.tracking_number) == ("DHL", "00340434279438023178")
    assert (order.shipped_at, order.delivered_at) == (date(2026, 9, 2), date(2026, 9, 4))
    assert order.shipping_address == "14 Rowan Terrace, EH9 1QB Edinburgh, GB"
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("NW-TENT-2P", 1, Decimal("249.00")),
        ("NW-PAD-AIR", 1, Decimal("119.00")),
    ]
    assert order.invoice_ids == ("INV-2026-00801",)
    assert order.returns == () and order.refunds == ()


def test_order_with_return_and_refund(crm: CrmConnector) -> None:
    order = crm.order_by_id("NW-100221")
    assert order is not None
    assert [(r.id, r.status, r.sku) for r in order.returns] == [("RMA-2026-0405", "received", None)]
    assert [(r.id, r.amount, r.status) for r in order.refunds] == [
        ("RF-2026-0244", Decimal("189.00"), "pending")
    ]


def test_unshipped_order_has_no_carrier_and_pending_has_no_invoice(crm: CrmConnector) -> None:
    order = crm.order_by_id("NW-100261")
    assert order is not None and order.status == "pending"
    assert (order.carrier, order.tracking_number, order.shipped_at) == (None, None, None)
    assert order.invoice_ids == ()


@pytest.mark.parametrize("order_id", ["NW-999999", "", "NW-100201/../x", "1; DROP TABLE x"])
def test_unknown_order_is_none(crm: CrmConnector, order_id: str) -> None:
    assert crm.order_by_id(order_id) is None


def test_orders_of_are_the_customers_own_newest_first(crm: CrmConnector) -> None:
    emma = crm.customer_by_email(EMMA)
    assert emma is not None
    orders = crm.orders_of(emma)
    assert [o.id for o in orders] == ["NW-100261", "NW-100250", "NW-100231", "NW-100201"]
    assert {o.customer_id for o in orders} == {emma.id}
    assert [o.id for o in crm.orders_of(emma, limit=2)] == ["NW-100261", "NW-100250"]


@pytest.mark.parametrize("customer_id", ["9999", "not-a-number"])
def test_orders_of_an_unknown_customer_is_empty(crm: CrmConnector, customer_id: str) -> None:
    ghost = Customer(id=customer_id, email="ghost@nowhere.example", name="Ghost")
    assert crm.orders_of(ghost) == []


def test_log_activity_is_recorded_on_the_customer(crm_case: CrmCase) -> None:
    emma = crm_case.crm.customer_by_email(EMMA)
    assert emma is not None
    activity = crm_case.crm.log_activity(emma, "email_reply", "Sent tracking for NW-100250")
    assert (activity.customer_id, activity.kind) == (emma.id, "email_reply")
    assert activity.occurred_at.tzinfo is not None
    assert crm_case.logged() == [(emma.id, "email_reply", "Sent tracking for NW-100250")]


def test_records_are_immutable(crm: CrmConnector) -> None:
    customer = crm.customer_by_email(EMMA)
    assert isinstance(customer, Customer)
    with pytest.raises(ValueError, match="frozen"):
        customer.name = "someone else"
