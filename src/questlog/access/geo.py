"""The client's country from its address, with the offline database geoip2fast ships
(no download, no network). The address itself is never stored (seed 002)."""

from __future__ import annotations

import ipaddress
from functools import cache
from typing import Any, Protocol


class CountryLookup(Protocol):
    def country(self, address: str) -> str | None: ...


class OfflineCountries:
    """ISO 3166 alpha-2 codes; None for private, reserved or unknown addresses."""

    def __init__(self) -> None:
        self._db = _database()

    def country(self, address: str) -> str | None:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            return None
        code = self._db.lookup(address).country_code
        return code if isinstance(code, str) and len(code) == 2 and code.isalpha() else None


@cache
def _database() -> Any:
    """Loaded once per process (a tenth of a second), and only when geoip is on."""
    from geoip2fast import GeoIP2Fast

    return GeoIP2Fast(verbose=False)
