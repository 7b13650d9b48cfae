"""The triage graph's lookup, backed by the CRM and inventory connectors.

:class:`ConnectorLookup` implements :class:`hatchway.graphs.services.Lookup`: it finds the
sender's customer record, the orders the email names (only the sender's own: another
customer's order is withheld and a note says so), the customer's recent orders when none is
named, and stock for the SKUs or product names mentioned. ``product_names_in`` finds the
catalogue products an email names without a SKU, for classifiers that extract no product
names. Connector errors propagate: the graph sends the item to review with "lookup
failed: …", never a draft built on missing data.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import parseaddr

from hatchway.agents.outputs import Classification
from hatchway.agents.requests import Fact
from hatchway.connectors._facts import ShopPolicy, customer_record, order_facts, product_facts
from hatchway.connectors.crm.models import Customer, Order
from hatchway.connectors.crm.protocol import CrmConnector
from hatchway.connectors.inventory.protocol import Inventory
from hatchway.connectors.product_mentions import ProductNameSearch, products_named_in
from hatchway.graphs.services import LookupResult

__all__ = ["ConnectorLookup", "ShopPolicy"]


class ConnectorLookup:
    """Facts from a CRM and an inventory connector (either may be None: not connected)."""

    def __init__(
        self,
        crm: CrmConnector | None,
        inventory: Inventory | None,
        *,
        shop: ShopPolicy | None = None,
        recent_orders: int = 3,
        max_references: int = 5,
    ) -> None:
        self.crm = crm
        self.inventory = inventory
        self.shop = shop or ShopPolicy()
        self.recent_orders = recent_orders
        self.max_references = max_references
        self._name_search = None if inventory is None else ProductNameSearch(inventory)

    def lookup(
        self, *, sender: str, classification: Classification, product_names: Sequence[str] = ()
    ) -> LookupResult:
        """Customer, order and product facts for this email; notes say what was left out."""
        notes: list[str] = []
        customer = self._customer(sender, notes)
        orders = self._orders(customer, classification.entities.order_ids, notes)
        facts = self.shop.facts()
        for order in orders:
            facts += order_facts(order, self.shop)
        facts += self._products(classification.entities.skus, product_names, notes)
        record = customer_record(customer) if customer is not None else None
        return LookupResult(customer=record, facts=facts, notes=notes)

    def product_names_in(self, text: str) -> list[str]:
        """Names of catalogue products ``text`` mentions (at most 3), by a bounded name search."""
        if self._name_search is None:
            return []
        named = products_named_in(self._name_search, text, limit=3)
        return [product.name for product in named]

    def _customer(self, sender: str, notes: list[str]) -> Customer | None:
        if self.crm is None:
            notes.append("no CRM is connected: customer and orders were not looked up")
            return None
        address = parseaddr(sender)[1].strip()
        customer = self.crm.customer_by_email(address) if "@" in address else None
        if customer is None:
            notes.append(f"the sender {address or sender!r} is not a customer in the CRM")
        return customer

    def _orders(
        self, customer: Customer | None, named: Sequence[str], notes: list[str]
    ) -> list[Order]:
        if self.crm is None:
            return []
        if not named:
            return self._recent_orders(customer, notes)
        found: list[Order] = []
        for order_id in list(dict.fromkeys(named))[: self.max_references]:
            order = self.crm.order_by_id(order_id)
            if order is None:
                notes.append(f"order {order_id} was not found in the CRM")
            elif customer is None or order.customer_id != customer.id:
                notes.append(
                    f"order {order_id} is not an order of the sender's customer record: its "
                    "data was withheld; do not confirm or discuss it with this sender"
                )
            else:
                found.append(order)
        return found

    def _recent_orders(self, customer: Customer | None, notes: list[str]) -> list[Order]:
        if customer is None or self.crm is None or self.recent_orders < 1:
            return []
        orders = self.crm.orders_of(customer, limit=self.recent_orders)
        if orders:
            notes.append(
                f"the email names no order: facts cover the customer's {len(orders)} most "
                "recent order(s), newest first; check which one is meant"
            )
        return orders

    def _products(self, skus: Sequence[str], names: Sequence[str], notes: list[str]) -> list[Fact]:
        if not skus and not names:
            return []
        if self.inventory is None:
            notes.append("no inventory is connected: products and stock were not looked up")
            return []
        wanted = list(skus)
        for name in names:
            wanted += _skus_named(self.inventory, name, self.max_references, notes)
        facts: list[Fact] = []
        for sku in list(dict.fromkeys(wanted))[: self.max_references]:
            facts += _sku_facts(self.inventory, sku, notes)
        return facts


def _skus_named(inventory: Inventory, name: str, limit: int, notes: list[str]) -> list[str]:
    found = inventory.find_products(name, limit=limit)
    if len(found) != 1:
        listed = ", ".join(f"{p.sku} ({p.name})" for p in found) or "none"
        notes.append(f"product name {name!r} matches {len(found)} products: {listed}")
    return [found[0].sku] if len(found) == 1 else []


def _sku_facts(inventory: Inventory, sku: str, notes: list[str]) -> list[Fact]:
    product = inventory.product_by_sku(sku)
    stock = inventory.stock_by_sku(sku)
    if product is None and stock is None:
        notes.append(f"SKU {sku} is not in the catalogue")
    elif product is not None and not product.active:
        notes.append(f"SKU {sku} ({product.name}) is discontinued")
    if product is not None and stock is None:
        notes.append(f"SKU {sku} has no stock record")
    return product_facts(sku, product, stock)
