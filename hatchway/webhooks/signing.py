"""Signing webhook bodies (Stripe style) and verifying them, as a receiver does.

``Hatchway-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``. The
timestamp is signed with the body, so a receiver that rejects old timestamps (the
tolerance) also rejects replays of a captured request.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from hatchway.errors import HatchwayError

__all__ = [
    "DEFAULT_TOLERANCE_SECONDS",
    "SIGNATURE_HEADER",
    "SignatureInvalid",
    "sign",
    "signature_header",
    "verify_signature",
]

SIGNATURE_HEADER = "Hatchway-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureInvalid(HatchwayError):
    """A webhook request whose signature does not prove it came from us, now."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under ``secret``."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Hatchway-Signature`` header value for this body at this time."""
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check a received request; returns its timestamp or raises :class:`SignatureInvalid`.

    Any ``v1`` entry may match (several appear while a secret is being rotated).
    """
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    timestamps = [value for key, value in parts if key.strip() == "t"]
    signatures = [value.strip() for key, value in parts if key.strip() == "v1"]
    if len(timestamps) != 1 or not timestamps[0].strip().isdigit() or not signatures:
        raise SignatureInvalid("malformed signature header")
    timestamp = int(timestamps[0])
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        raise SignatureInvalid(f"timestamp {timestamp} is outside the tolerance")
    expected = sign(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureInvalid("no signature matches the body")
    return timestamp
