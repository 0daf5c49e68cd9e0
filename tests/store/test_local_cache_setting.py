"""QUESTLOG_LOCAL_CACHE_SIZE: the local server's cache, a whole number of M or G of at
least 256 MB, refused at start otherwise, naming the setting, rather than in the server's
log or by its first transaction too big for it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from questlog.settings import Settings


def with_cache(monkeypatch: pytest.MonkeyPatch, size: str) -> Settings:
    monkeypatch.setenv("QUESTLOG_LOCAL_CACHE_SIZE", size)
    return Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize("size", ["lots", "1GB", "0G", "128M", "-1G", "1T", ""])
def test_a_size_the_server_would_not_take_or_too_small_is_refused(
    monkeypatch: pytest.MonkeyPatch, size: str
) -> None:
    with pytest.raises(ValidationError, match="local_cache_size"):
        with_cache(monkeypatch, size)


@pytest.mark.parametrize("size", ["256M", "1G", "4096M"])
def test_a_size_of_256_mb_or_more_is_taken(monkeypatch: pytest.MonkeyPatch, size: str) -> None:
    assert with_cache(monkeypatch, size).local_cache_size == size
