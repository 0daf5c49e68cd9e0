"""Query parameter types shared by the routers, and the paging of every list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import BeforeValidator, Field, StringConstraints

from questlog.api.deps import QuestlogDep
from questlog.api.envelope import ApiError
from questlog.store.queries import After, Found, InvalidCursor, Page


def _as_utc(value: object) -> object:
    """Accept an ISO 8601 date (midnight UTC) or date-time; a date-time without zone is UTC."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:  # not left to pydantic: it reads "2026" or "0.5" as Unix time
            raise ValueError("expected an ISO 8601 date or date-time, e.g. 2026-05-01") from None
        if not parsed.tzinfo:
            return parsed.replace(tzinfo=UTC)
        try:  # MongoDB compares in UTC: 0001-01-01T00:00+01:00 has no UTC time
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValueError("the time is out of range in UTC") from None
    return value


TimeParam = Annotated[datetime, BeforeValidator(_as_utc)]


def _comma_separated(value: object) -> object:
    """`ids=a,b` and `ids=a&ids=b` alike: each value given is split at its commas."""
    if isinstance(value, list):
        return [p for item in value for p in (item.split(",") if isinstance(item, str) else [item])]
    return value


MAX_IDS = 100
AchievementId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
IdsParam = Annotated[
    Annotated[list[AchievementId], Field(max_length=MAX_IDS)] | None,
    BeforeValidator(_comma_separated),
    Query(description=f"comma-separated, or the parameter repeated; at most {MAX_IDS}"),
]


PageParam = Annotated[int, Query(ge=1, le=1_000_000)]
PageSizeParam = Annotated[int, Query(ge=1, le=1000)]
AfterParam = Annotated[str | None, Query(
    min_length=1, max_length=200,
    description="meta.next_after of the previous page: the page after it, however deep",
)]


def _refused(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_query", f"{field}: {message}",
                    [{"field": field, "message": message, "kind": "invalid_page"}])


def paging(default_size: int) -> Callable[..., Page]:
    """The dependency reading page, page_size and after: a Page, its skip bounded.

    A page by number makes the store walk every item it skips, so a deep one is refused
    (QUESTLOG_MAX_PAGE_SKIP) with the way to read on: `after`, which costs the same at
    any depth.
    """

    def page_of(
        questlog: QuestlogDep, page: PageParam = 1, page_size: PageSizeParam = default_size,
        after: AfterParam = None,
    ) -> Page:
        if after is not None and page != 1:
            raise _refused("page", "give page or after, not both (after says where the page "
                                   "starts)")
        skip, limit = (page - 1) * page_size, questlog.settings.max_page_skip
        if skip > limit:
            raise _refused("page", f"page {page} of {page_size} skips {skip} items, more than "
                                   f"{limit}: to read deeper, use after=meta.next_after of the "
                                   "previous page")
        try:
            cursor = After.parse(after) if after is not None else None
        except InvalidCursor as exc:
            raise _refused("after", str(exc)) from None
        return Page(number=page, size=page_size, after=cursor)

    return page_of


def page_meta(page: Page, found: Found) -> dict[str, Any]:
    """The meta of a list: where this page is, the total, and the cursor of the next."""
    next_after = found.next_after.token() if found.next_after else None
    number = None if page.after else page.number  # a page by cursor has no number
    return {"page": number, "page_size": page.size, "total": found.total,
            "next_after": next_after}
