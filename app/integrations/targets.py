"""Where the portal may send a request (webhooks, chat alerts): the guard against server-side request
forgery. A URL is checked when it is saved and again before every delivery, because a name can be
made to resolve elsewhere later.

- Production: only `https://`; every address the host name resolves to must be public, unless an
  admin allowed private addresses for that target (an integration inside the company network).
- Development and tests: `http://` and loopback are allowed as well, so a receiver on the laptop
  works; other private ranges still need the admin's allowance.
"""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

Resolver = Callable[[str], list[str]]


class UnsafeTarget(ValueError):
    """The URL may not be called; `str()` is a message for the admin in their language."""


def resolve(host: str) -> list[str]:
    """Every address `host` resolves to (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({info[4][0] for info in infos})


def _resolver() -> Resolver:
    """Tests put a stub in `OUTBOUND_RESOLVER`; everything else asks the system's resolver."""
    return current_app.config.get("OUTBOUND_RESOLVER") or resolve


def loopback_allowed() -> bool:
    return current_app.config["APP_ENV"] != "production"


def _address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_private: bool) -> bool:
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    if address.is_loopback:
        return loopback_allowed()
    if address.is_global:
        return True
    # Link-local (169.254.0.0/16, cloud metadata), multicast, reserved and unspecified never.
    if address.is_link_local or address.is_multicast or address.is_reserved or address.is_unspecified:
        return False
    return allow_private and address.is_private


def check_target(url: str, *, allow_private: bool = False) -> str:
    """Raise `UnsafeTarget` unless `url` may be called now; return the URL with surrounding space removed."""
    url = (url or "").strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeTarget(str(_l("Enter a full web address starting with https://.")))
    if parts.username or parts.password:
        raise UnsafeTarget(str(_l("Leave the user name and password out of the address.")))
    if scheme == "http" and not loopback_allowed():
        raise UnsafeTarget(str(_l("Only https:// addresses can be used.")))
    host = parts.hostname
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in _resolver()(host)]
        except (OSError, UnicodeError, ValueError):
            addresses = []
        if not addresses:
            raise UnsafeTarget(str(_l("The address %(host)s could not be found.", host=host))) from None
    for address in addresses:
        if not _address_allowed(address, allow_private):
            raise UnsafeTarget(str(_l(
                "The address %(host)s points into a private network (%(ip)s); an admin must allow that first.",
                host=host, ip=str(address))))
    return url
