"""How fast the host runs while a benchmark does: the CPU time of one fixed piece of work.

A machine whose vCPUs share their cores with other work on the host can be slowed by
it without any counter here showing it (on the 2-core machine of docs/performance.md,
/proc/stat's steal stays at 0), and then the same work costs more CPU, not only more
wall time: up to twice as much, in stretches of several seconds. A ratio to a floor
holds against that only where both of its sides slow alike. `bench report` times this
probe at every step and round it notes and prints the spread, so that a row missed
while the probe ran slow can be told from code that got slower.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

PROBE_STORES = 200_000  # about 10 ms of one core on that machine when its host is quiet


def probe() -> float:
    """This thread's CPU seconds for a fixed loop of dict stores."""
    started = time.thread_time()
    table: dict[int, int] = {}
    for i in range(PROBE_STORES):
        table[i % 1000] = i
    return time.thread_time() - started


@dataclass
class HostProbe:
    """The probe's times over a run, in seconds."""

    times: list[float] = field(default_factory=list)

    def take(self) -> float:
        self.times.append(probe())
        return self.times[-1]

    def summary(self) -> str:
        if not self.times:
            return "host probe: not taken"
        fastest, slowest = min(self.times), max(self.times)
        return (f"host probe: the same work took {fastest * 1000:.0f}-{slowest * 1000:.0f} ms "
                f"of CPU over {len(self.times)} samples (the slowest {slowest / fastest:.2f} "
                "times the fastest)")
