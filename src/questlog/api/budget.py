"""The request budget of the write routes: 429 with Retry-After when a key is over it."""

from __future__ import annotations

import math
import time
from typing import Annotated

from fastapi import Depends, Request

from questlog.api.auth import Principal
from questlog.api.deps import IngestDep, questlog_of
from questlog.api.envelope import ApiError


async def spend_request_budget(request: Request, principal: IngestDep) -> Principal:
    """The ingesting principal, once its key had budget for this request."""
    # The app from the request, not QuestlogDep: one dependency fewer for FastAPI to
    # solve on every write (see deps.authenticate).
    wait = await questlog_of(request).access.request_budget(principal.label, time.time())
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise ApiError(429, "rate_limited",
                       f"this key is over its request budget; retry in {seconds} s",
                       headers={"Retry-After": str(seconds)})
    return principal


# The principal of a write route: a key or token with ingest, within its request budget.
WriterDep = Annotated[Principal, Depends(spend_request_budget)]
