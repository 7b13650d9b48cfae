"""The outbox: approved replies held for an undo window, sent once, recovered after crashes.

States: held → sending (under a lease) → sent; held → cancelled (undo); anything that
cannot be sent safely → returned (back to the review inbox with the reason).
"""

from hatchway.outbox.approve import approve_draft, cancel_held
from hatchway.outbox.relay import OutboxRelay, RelayResult
from hatchway.outbox.settings import OutboxSettings

__all__ = ["OutboxRelay", "OutboxSettings", "RelayResult", "approve_draft", "cancel_held"]
