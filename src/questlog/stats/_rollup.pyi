# The C extension of _rollup.c (built by setup.py where a C compiler is found).
from collections.abc import Callable
from typing import Any

def document(document_id: str, user: str, mine: dict[str, list[Any]],
             kinds: dict[str, tuple[bytes, tuple[bytes, ...], bool]], between: bytes,
             after: bytes, other: Callable[[str, list[Any], str], bytes]) -> bytes: ...
def configure(multiplier: float, smallest: float, empty_field: bytes) -> None: ...
def scan_batch(batch: bytes, owners: dict[Any, dict[str, list[Any]]],
               shapes: dict[str, tuple[tuple[bytes, ...], bool]], int64: type,
               other: Callable[[bytes], None]) -> int: ...
