"""GET /api/v1/events/stream: stored events as server-sent events, as they are stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from questlog.api.deps import QuestlogDep, ReadDep
from questlog.api.envelope import ApiError
from questlog.api.params import TimeParam
from questlog.api.query import StrictQueryRoute
from questlog.live.feed import Filters, LiveFeed, Subscriber, TooManySubscribers
from questlog.live.stream import frames

Short = Annotated[str | None, Query(max_length=128)]
router = APIRouter(prefix="/api/v1/events", tags=["events"], route_class=StrictQueryRoute)


@router.get(
    "/stream", summary="Events as they are stored (server-sent events), with the list's filters",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}},
                     "description": "event: ready, then event: event per stored event, and "
                     "event: dropped {dropped: N} when this viewer fell behind"}},
)
async def stream_events(
    questlog: QuestlogDep, _: ReadDep,
    type: Short = None, user_id: Short = None, company_id: Short = None, session_id: Short = None,
    from_: Annotated[TimeParam | None, Query(alias="from")] = None, to: TimeParam | None = None,
    seconds: Annotated[float | None, Query(
        gt=0, le=86_400, description="end the stream after this long (default: never)")] = None,
) -> StreamingResponse:
    equal = {k: v for k, v in (("type", type), ("user_id", user_id),
                               ("company_id", company_id), ("session_id", session_id)) if v}
    filters = Filters(equal=equal, start=from_, end=to)
    feed = questlog.live
    try:
        subscriber = feed.open(filters)
    except TooManySubscribers as exc:
        raise ApiError(503, "too_many_viewers", str(exc)) from exc
    return StreamingResponse(
        _body(feed, subscriber, seconds), media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        background=BackgroundTask(feed.close, subscriber),  # also when the viewer left early
    )


async def _body(feed: LiveFeed, subscriber: Subscriber,
                seconds: float | None) -> AsyncIterator[bytes]:
    try:
        async for frame in frames(subscriber, seconds=seconds):
            yield frame
    finally:
        feed.close(subscriber)
