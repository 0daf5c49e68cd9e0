"""Who sent a write request, for the access gate: key, player, and the client's country."""

from __future__ import annotations

from fastapi import Request

from questlog.api.auth import Principal
from questlog.bootstrap import Questlog
from questlog.ingest.gate import Origin


def client_address(request: Request, trusted_proxies: frozenset[str]) -> str | None:
    """The client's address: the peer's, or the first X-Forwarded-For hop when the peer
    is a trusted proxy."""
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-for", "")
    if peer in trusted_proxies and forwarded:
        return forwarded.split(",")[0].strip() or peer
    return peer


def origin_of(request: Request, principal: Principal, questlog: Questlog) -> Origin:
    """The address is looked up and forgotten here: only the country goes on."""
    country = None
    geo = questlog.access.geo
    if geo is not None:
        address = client_address(request, questlog.access.trusted_proxies)
        country = geo.country(address) if address else None
    return Origin(api_key=principal.label, player=principal.user_id, country=country)
