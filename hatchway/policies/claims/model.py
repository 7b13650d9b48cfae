"""What a claim check found, and the ``[claims]`` settings."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hatchway.errors import ConfigError

__all__ = ["ClaimCheck", "ClaimKind", "ClaimsSettings", "Location", "normalise_domain"]

ClaimKind = Literal["order_id", "amount", "availability", "date", "tracking_number", "link"]
Location = Literal["subject", "body"]

_HOST = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")


class ClaimCheck(BaseModel):
    """One statement of the draft checked against the looked-up facts.

    ``start``/``end`` locate ``claim`` in the draft's ``location`` (subject or body) so the
    review inbox can highlight it; a failed check says in ``expected`` what the facts say
    instead, when they say anything.
    """

    model_config = ConfigDict(frozen=True)

    check: ClaimKind
    claim: str
    ok: bool
    explanation: str
    expected: str | None = None
    fact_key: str | None = Field(default=None, description="The fact that backs (or refutes) it.")
    location: Location = "body"
    start: int | None = None
    end: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON stored with the draft: ``check``, ``claim``, ``ok``, ``explanation``..."""
        return self.model_dump(mode="json")


def normalise_domain(domain: str) -> str:
    """``Shop.Example.`` → ``shop.example``; international names in their ASCII (IDNA) form."""
    host = domain.strip().rstrip(".").lower()
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


class ClaimsSettings(BaseModel):
    """``[claims]``: what the claim checks accept."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allowed_link_domains: list[str] = Field(
        default_factory=list,
        description="Domains links in drafts may point to; their subdomains are allowed too. "
        "Empty: no link passes.",
    )

    @field_validator("allowed_link_domains")
    @classmethod
    def _plain_domains(cls, domains: list[str]) -> list[str]:
        cleaned = [normalise_domain(domain) for domain in domains]
        for original, host in zip(domains, cleaned, strict=True):
            if not _HOST.match(host):
                raise ConfigError(
                    "claims.allowed_link_domains",
                    f"{original!r} is not a domain name",
                    'write bare domains such as "northwind-outfitters.example" (no scheme, '
                    "no path)",
                )
        return cleaned
