"""Today's folded refresh on a real server: the same scenarios as test_today.py (its
queries on received_at and event_time, the cursor's compare-and-set, BSON's
millisecond datetimes), run against the real-server tier."""

from __future__ import annotations

import pytest
from test_today import (  # noqa: F401  (collected here again, on the real server)
    settings,
    test_a_cursor_of_other_definitions_means_the_whole_day,
    test_a_fold_that_crashed_midway_is_redone_whole,
    test_a_rebuild_during_a_fold_makes_the_fold_give_way,
    test_a_refresh_reads_only_what_arrived_since_the_last,
    test_events_a_rebuild_read_before_they_settled_are_not_folded_again,
    test_refreshes_between_ingests_and_rebuilds_equal_a_recomputation,
    test_two_processes_refreshing_at_once_count_each_event_once,
)

pytestmark = pytest.mark.mongodb
