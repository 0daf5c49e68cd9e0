"""The client's queue: bounded in bytes (and events), dropping the lowest priority first.

Events leave in the order they came. When a new event does not fit, queued events of a
strictly lower priority are dropped, oldest first, until it fits; if that cannot make
room, the new event is the one dropped. All operations are O(1) amortized: each event
sits in the queue and in its priority's queue, and a dropped one is skipped when it
reaches the front.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass
class _Entry:
    raw: str
    priority: int
    size: int
    alive: bool = True


class PriorityBuffer:
    def __init__(self, *, max_bytes: int, max_events: int) -> None:
        self._max_bytes, self._max_events = max_bytes, max_events
        self._order: deque[_Entry] = deque()
        self._by_priority: dict[int, deque[_Entry]] = {}
        self.bytes = 0
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def push(self, raw: str, priority: int) -> tuple[bool, int]:
        """Queue `raw`; (whether it was queued, how many queued events were dropped)."""
        size = len(raw.encode())
        if size > self._max_bytes:
            return False, 0
        victims = self._victims(size, priority)
        if victims is None:
            return False, 0
        for entry in victims:
            self._by_priority[entry.priority].popleft()
            self._forget(entry)
        entry = _Entry(raw, priority, size)
        self._order.append(entry)
        self._by_priority.setdefault(priority, deque()).append(entry)
        self.bytes += size
        self._count += 1
        return True, len(victims)

    def pop(self, count: int) -> list[str]:
        """Up to `count` events, oldest first."""
        taken: list[str] = []
        while self._order and len(taken) < count:
            entry = self._order.popleft()
            if not entry.alive:
                continue
            self._by_priority[entry.priority].popleft()  # FIFO within a priority too
            self._forget(entry)
            taken.append(entry.raw)
        return taken

    def clear(self) -> int:
        left = self._count
        self._order.clear()
        self._by_priority.clear()
        self.bytes = self._count = 0
        return left

    def _victims(self, size: int, priority: int) -> list[_Entry] | None:
        """The queued events to drop so that one of `size` bytes fits, or None."""
        need_bytes = self.bytes + size - self._max_bytes
        need_events = self._count + 1 - self._max_events
        if need_bytes <= 0 and need_events <= 0:
            return []
        victims: list[_Entry] = []
        for level in sorted(p for p in self._by_priority if p < priority):
            for entry in self._by_priority[level]:
                victims.append(entry)
                need_bytes -= entry.size
                need_events -= 1
                if need_bytes <= 0 and need_events <= 0:
                    return victims
        return None

    def _forget(self, entry: _Entry) -> None:
        entry.alive = False
        self.bytes -= entry.size
        self._count -= 1
