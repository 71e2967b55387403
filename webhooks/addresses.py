"""Which webhook addresses Aftercare will call: the guard against server-side request
forgery (an admin's URL must not make the server call its own network).

HTTPS only; plain HTTP to this machine (loopback) only while WEBHOOKS_ALLOW_LOOPBACK is
on (tests, local trials). A host must resolve to public addresses only: private
networks only while WEBHOOKS_ALLOW_PRIVATE_NETWORKS is on, and link-local addresses
(where cloud metadata services answer) never. The check runs when an endpoint is
saved and again before every request, and the request goes to the address checked
(no second lookup an attacker's DNS could answer differently), with no redirects.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Cloud metadata services outside 169.254.0.0/16.
METADATA = (ipaddress.ip_address("fd00:ec2::254"),)


@dataclass(frozen=True)
class Target:
    """A checked address: where to connect, and what to call the host (TLS, Host)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why this address may not be called, or "" if it may."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "" if settings.WEBHOOKS_ALLOW_LOOPBACK else "loopback"
    if ip.is_link_local or ip in METADATA or ip.is_multicast or ip.is_unspecified:
        return "link-local"
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return "" if settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS else "private"
    return ""


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ValidationError(
            _("The address's host could not be found. Check the spelling."), code="dns"
        ) from error
    return list(dict.fromkeys(info[4][0] for info in infos))


def target_check(url: str) -> Target:
    """The URL, checked and resolved; ValidationError with the reason a person can act on."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise ValidationError(
            _("Enter a whole address, such as https://example.org/hooks.")
        ) from error
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme not in ("https", "http") or not host:
        raise ValidationError(_("Enter a whole address, such as https://example.org/hooks."))
    if parts.username or parts.password:
        raise ValidationError(_("An address with a user name or password in it is not accepted."))
    port = port or (443 if scheme == "https" else 80)
    addresses = _resolve(host, port)
    reasons = {_refusal(ipaddress.ip_address(a.split("%")[0])) for a in addresses}
    if "link-local" in reasons or "private" in reasons or "loopback" in reasons:
        raise ValidationError(
            _(
                "This address points into a private or internal network, which Aftercare "
                "does not call. Use your system's public HTTPS address."
            ),
            code="private",
        )
    if scheme == "http" and not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        raise ValidationError(_("The address must start with https://."), code="https")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
