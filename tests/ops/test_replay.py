"""Replay beyond the HTTP route: an event refused as early passes once its time has come;
a truncated quarantine record is unreadable, counted, and left alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import bill_vote, iso

from questlog.bootstrap import Questlog
from questlog.ops.replay import Replayer, ReplayFilter, events_of, with_replay_id
from questlog.store.documents import RejectedEvent


async def test_an_event_from_the_future_is_stored_once_its_time_has_come(
    questlog: Questlog,
) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    result = await questlog.ingestor.ingest([bill_vote(occurred_at=iso(later))])
    assert [str(r.code) for r in result.rejections] == ["timestamp_in_future"]

    def replayer(now: datetime) -> Replayer:
        return Replayer(settings=questlog.settings, ingestor=questlog.ingestor,
                        rejected=RejectedEvent.get_motor_collection(), clock=lambda: now)

    too_soon = await replayer(datetime.now(UTC)).replay(ReplayFilter())
    assert dict(too_soon.still_rejected) == {"timestamp_in_future": 1}
    questlog.ingestor._clock = lambda: later  # the hour has passed, for the ingestor too
    in_time = await replayer(later).replay(ReplayFilter(codes=frozenset({"timestamp_in_future"})))
    assert in_time.stored == 1
    again = await replayer(later).replay(ReplayFilter())
    assert again.matched == 0
    assert await questlog.store.database["events"].count_documents({}) == 1


def test_truncated_or_unparsable_records_hold_nothing_to_replay() -> None:
    assert events_of({"raw": '{"type": "X"', "raw_truncated": True, "index": 0}) is None
    assert events_of({"raw": "not json", "index": None}) is None
    assert events_of({"raw": '{"events": [1, 2]}', "index": None}) == [1, 2]
    assert events_of({"raw": '{"events": [1, 2]}', "index": 3}) == [{"events": [1, 2]}]


def test_an_event_without_id_gets_one_derived_from_its_record() -> None:
    assert with_replay_id({"type": "X"}, "r1", 2) == {"type": "X", "event_id": "replay-r1-2"}
    assert with_replay_id({"type": "X", "event_id": "own"}, "r1", 2)["event_id"] == "own"
    assert with_replay_id([1], "r1", 0) == [1]
