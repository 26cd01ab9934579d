"""Which URLs and addresses the crawler may request: guards against being steered at internal hosts.

A page can link or redirect anywhere, including ``file:`` paths, ``data:`` and
``javascript:`` URLs, or an address on the crawling machine's own network
(``127.0.0.1``, ``10.x``, ``169.254.169.254`` cloud metadata...). These pure
functions say why such a target is refused; ``newscrawl.middlewares.
PrivateAddressMiddleware`` applies them to every request except those to the
hosts the user named explicitly (start URLs), so mirrors and tests on loopback
keep working.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

ALLOWED_SCHEMES = frozenset({"http", "https"})


def url_refusal(url: str) -> str | None:
    """Why ``url`` must not be fetched at all (``scheme_<name>``, ``no_host``, ``unparsable``), or None."""
    try:
        parts = urlsplit((url or "").strip())
        host = parts.hostname
    except ValueError:
        return "unparsable"
    scheme = (parts.scheme or "").lower()
    if scheme not in ALLOWED_SCHEMES:
        return f"scheme_{scheme or 'none'}"
    if not host:
        return "no_host"
    return None


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address when ``host`` is an IP literal (``127.0.0.1``, ``::1``, ``[::1]``), else None."""
    host = (host or "").strip().strip("[]")
    if "%" in host:  # IPv6 zone id: fe80::1%eth0
        host = host.split("%", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def address_refusal(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is not public (``loopback``, ``link_local``, ``private``, ...), or None when it is.

    IPv4 addresses mapped into IPv6 (``::ffff:127.0.0.1``) are judged as IPv4.
    An unreadable address is refused: what cannot be checked is not fetched.
    """
    try:
        ip = ipaddress.ip_address(str(address).strip("[]").split("%", 1)[0])
    except ValueError:
        return "unreadable_address"
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    for name in ("loopback", "link_local", "private", "multicast", "unspecified", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name
    if not ip.is_global:  # shared address space (100.64/10) and the like
        return "not_global"
    return None


def host_of(url: str) -> str:
    """The lower-cased host of ``url`` ('' when there is none or it cannot be parsed)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
