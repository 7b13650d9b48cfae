"""Links in a draft must point to an allowed domain (or one of its subdomains)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit

from hatchway.policies.claims.model import ClaimCheck, Location, normalise_domain

__all__ = ["check_links"]

_URL = re.compile(r"(?:\bhttps?://|\bwww\.|\bmailto:)[^\s<>()\"'\[\]{}]+", re.I)
_TRAILING = ".,;:!?'\""


def check_links(text: str, location: Location, allowed: Sequence[str]) -> Iterator[ClaimCheck]:
    """One check per link: ok when its host is an allowed domain or below one."""
    domains = [normalise_domain(domain) for domain in allowed]
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        host = _host(url)
        yield _verdict(url, host, domains, location, match.start(), match.start() + len(url))


def _host(url: str) -> str:
    if url.lower().startswith("mailto:"):
        return normalise_domain(url.partition("@")[2].partition("?")[0])
    target = url if "://" in url else f"http://{url}"
    try:
        return normalise_domain(urlsplit(target).hostname or "")
    except ValueError:  # a malformed port or bracketed host
        return ""


def _verdict(
    url: str, host: str, domains: Sequence[str], location: Location, start: int, end: int
) -> ClaimCheck:
    allowed = next((d for d in domains if host == d or host.endswith("." + d)), None)
    if allowed is not None:
        explanation = f"The link to {host} is on the allow-list ({allowed})."
    elif not domains:
        explanation = (
            f"The link to {host or url} is not allowed: no link domains are allowed "
            "(claims.allowed_link_domains is empty)."
        )
    else:
        explanation = (
            f"The link to {host or url} is not on the allow-list ({', '.join(domains)}): "
            "remove it, or add the domain to claims.allowed_link_domains."
        )
    return ClaimCheck(
        check="link",
        claim=url,
        ok=allowed is not None,
        explanation=explanation,
        expected=None if allowed is not None or not domains else ", ".join(domains),
        location=location,
        start=start,
        end=end,
    )
