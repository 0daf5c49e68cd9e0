"""A Python client for games and services in other processes: `QuestlogClient`.

It needs only httpx; see docs/client.md.
"""

from questlog.client.client import ClientStats, QuestlogClient

__all__ = ["ClientStats", "QuestlogClient"]
