"""What operations attach to the write path, without the ingestor knowing of them.

The ingestor calls these at four points of a batch: around the whole write (where
backpressure may refuse it), then on its valid events (where sampling leaves some out),
around the insert itself (where its time and failure are measured), and once the outcome
is known (where it is counted). The base class does nothing; questlog.ops fills it in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from questlog.ingest.validation import Rejection


class IngestHooks:
    @contextlib.contextmanager
    def admitted(self, count: int) -> Iterator[None]:
        """Around the write of a batch of `count` items; may raise to refuse it."""
        yield

    def sampled(self, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The valid documents the sampling policy keeps (it may annotate them)."""
        return documents

    @contextlib.contextmanager
    def inserting(self, count: int) -> Iterator[None]:
        """Around the insert of `count` valid events."""
        yield

    def ingested(
        self, *, items: int, stored: Sequence[dict[str, Any]],
        duplicates: Sequence[dict[str, Any]], rejections: Sequence[Rejection],
    ) -> None:
        """Once a batch of `items` items has been stored, refused and quarantined."""
