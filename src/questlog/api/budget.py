"""The request budget of the write routes: 429 with Retry-After when a key is over it."""

from __future__ import annotations

import math
import time

from questlog.api.deps import IngestDep, QuestlogDep
from questlog.api.envelope import ApiError


async def spend_request_budget(questlog: QuestlogDep, principal: IngestDep) -> None:
    wait = await questlog.access.request_budget(principal.label, time.time())
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise ApiError(429, "rate_limited",
                       f"this key is over its request budget; retry in {seconds} s",
                       headers={"Retry-After": str(seconds)})
