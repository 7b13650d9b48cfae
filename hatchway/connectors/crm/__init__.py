"""The CRM connector: customers by email, their orders, orders by id, activity logging.

``CrmConnector`` is the interface; ``SqlCrm`` (any SQLAlchemy database, through a table/column
mapping) and ``HttpCrm`` (a JSON contract, see ``docs/connectors-http.md``) are the real
adapters; ``InMemoryCrm`` is the fake for unit tests. ``connect_crm`` builds the configured one.
"""

from __future__ import annotations

from .connect import connect_crm
from .fake import InMemoryCrm
from .http import HttpCrm
from .models import Activity, Customer, Order, OrderLine, OrderReturn, Refund
from .protocol import CrmConnector
from .settings import CrmSettings, HttpCrmSettings, SqlCrmSettings
from .sql import SqlCrm
from .sql_settings import (
    ActivitiesTable,
    AddressesTable,
    CrmTables,
    CustomersTable,
    InvoicesTable,
    OrderLinesTable,
    OrdersTable,
    RefundsTable,
    ReturnsTable,
)

__all__ = [
    "ActivitiesTable",
    "Activity",
    "AddressesTable",
    "CrmConnector",
    "CrmSettings",
    "CrmTables",
    "Customer",
    "CustomersTable",
    "HttpCrm",
    "HttpCrmSettings",
    "InMemoryCrm",
    "InvoicesTable",
    "Order",
    "OrderLine",
    "OrderLinesTable",
    "OrderReturn",
    "OrdersTable",
    "Refund",
    "RefundsTable",
    "ReturnsTable",
    "SqlCrm",
    "SqlCrmSettings",
    "connect_crm",
]
