"""`questlog bench achievements`: pure evaluation time per event with 100 definitions.

The definitions are generated over the politics catalog, varied the way a real file
is (every rule kind, `where` filters, tiers, windows, repeatable, all_of), with more
rules on the high-volume types; the events are the synthetic politics mix, stored-
document shaped, spread over two weeks so that streaks move. Only rule evaluation is
timed (apply_events, which changes each player's progress in place, as in the
evaluator), no database: the target is an average of at most 20 µs per event (issue 9).
`--end-to-end` measures the evaluator in a server instead (see bench/live.py).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from questlog.achievements.book import Book
from questlog.achievements.definitions import Achievement, parse_definitions
from questlog.achievements.rules import Entry, apply_events
from questlog.bench.raw import stored_event
from questlog.bench.report import Figure, percentile, print_figures, progress
from questlog.bench.synthetic import MIX, PHASES, STANCES, synthetic_events
from questlog.collector import GC_YOUNG_THRESHOLD, as_long_running
from questlog.ingest.validation import Context, Limits

TARGET_US = 20.0
# Events timed by default, here and in `questlog bench report`: each player's progress
# grows with their events (1,000 players), and so does the cost of each event.
EVALUATION_EVENTS = 50_000
BURST_EVENTS = 5_000  # the end-to-end burst: issue 9's "a burst of 5,000 events"
CPYTHON_YOUNG_THRESHOLD = 700  # gc.get_threshold()[0] of a process that never set it

# Per politics type: numeric fields (sum), an id-like field (distinct), a filter (where).
SHAPES: dict[str, tuple[tuple[str, ...], str, tuple[str, list[Any]]]] = {
    "BILL_VOTE": (("seat_weight", "lobby_payments_count"), "bill_id",
                  ("stance", list(STANCES))),
    "POLL_INTERVAL": (("margin", "moe"), "poll_id",
                      ("leading_candidate", [f"cand-{i}" for i in range(8)])),
    "LOBBY_ATTEMPT": (("spend", "difficulty_tier"), "difficulty_tier", ("success", [True, False])),
    "CAMPAIGN_PHASE_CHANGE": ((), "campaign_id", ("phase_to", list(PHASES[1:]))),
    "MOMENTUM_SHIFT": (("momentum_to",), "state_code", ("state_code", ["CA", "TX", "NY"])),
    "SYSTEM_BALANCE_APPLIED": (("underdog_buff",), "poll_id", ("cap_compressed", [True, False])),
    "DEBATE_RESULT": (("persuasion_score",), "debate_id", ("debate_id", ["debate-1"])),
    "ENDORSEMENT": (("boost",), "to_company_id", ("from_company_id", ["company-1"])),
    "POLICY_ENACTED": ((), "policy_id", ("scope", ["national", "state"])),
}


def generate_definitions(count: int, *, now: datetime, seed: int = 0) -> list[Achievement]:
    """`count` valid, varied definitions over the politics catalog; one in ten is all_of."""
    return parse_definitions({"achievements": definition_items(count, now=now, seed=seed)},
                             source="generated")


def definition_items(count: int, *, now: datetime, seed: int = 0) -> list[dict[str, Any]]:
    """The definitions of generate_definitions as a definitions file holds them."""
    rng = random.Random(seed)
    types, weights = [t for t, _, _ in MIX], [w for _, _, w in MIX]
    items: list[dict[str, Any]] = []
    for i in range(count):
        if i % 10 == 9:
            parts = rng.sample([a["id"] for a in items if a["rule"]["kind"] != "all_of"], k=3)
            items.append({"id": f"a{i}", "rule": {"kind": "all_of", "achievements": parts}})
            continue
        event = rng.choices(types, weights=weights)[0]
        numeric, ident, (where_field, where_values) = SHAPES[event]
        kind = rng.choice(["counter", "sum", "distinct", "streak"] if numeric
                          else ["counter", "distinct", "streak"])
        rule: dict[str, Any] = {"kind": kind, "event": event}
        if kind in ("sum", "distinct"):
            rule["field"] = rng.choice(numeric) if kind == "sum" else ident
        if rng.random() < 0.5:
            rule["where"] = {where_field: rng.sample(where_values, k=1 + len(where_values) // 2)}
        item: dict[str, Any] = {"id": f"a{i}", "rule": rule}
        base = {"counter": 10, "sum": 500, "distinct": 5, "streak": 3}[kind]
        if rng.random() < 0.3:
            item["tiers"] = [{"name": n, "threshold": base * m} for n, m in
                             (("bronze", 1), ("silver", 4), ("gold", 10))]
        else:
            rule["days" if kind == "streak" else "threshold"] = base
            item["repeatable"] = kind in ("counter", "sum") and rng.random() < 0.3
        if rng.random() < 0.2:
            item["window"] = {"start": now - timedelta(days=30), "end": now + timedelta(days=30)}
        items.append(item)
    return items


def stored_events(count: int, *, now: datetime, seed: int = 0) -> Iterator[dict[str, Any]]:
    """Synthetic politics events as the store holds them, dated over the last 14 days."""
    rng = random.Random(seed)
    context = Context(received_at=now, ingest_id="bench", company_salt="bench")
    limits = Limits(max_event_bytes=1 << 20, max_future=timedelta(hours=1),
                    max_past=timedelta(days=30))
    for index, event in enumerate(synthetic_events(count, now=now, seed=seed)):
        document = stored_event(event, index=index, context=context, limits=limits)
        document["event_time"] -= timedelta(days=rng.randrange(14))
        yield document


@dataclass(frozen=True)
class Timings:
    wall: list[float]  # seconds per event
    cpu: float  # CPU seconds of the whole run: what the neighbours of a shared machine miss
    collector: float  # wall seconds inside the cyclic garbage collector
    young: int  # the collector's young threshold during the run


def measure(book: Book, events: list[dict[str, Any]], *, young: int = GC_YOUNG_THRESHOLD
            ) -> Timings:
    """Each event applied alone to its player's progress as it grows, as a live one is,
    under the collector settings of `questlog serve` (`young`: allocations between two
    young collections; CPython's default is 700)."""
    with as_long_running(young):
        return _measure(book, events, young)


def _measure(book: Book, events: list[dict[str, Any]], young: int) -> Timings:
    states: dict[str, dict[str, Entry]] = {}
    wall, clock = [], time.perf_counter
    collecting = [0.0, 0.0]  # since the current collection began, in all

    def collector(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            collecting[0] = clock()
        else:
            collecting[1] += clock() - collecting[0]

    gc.callbacks.append(collector)
    try:
        cpu_started = time.process_time()
        for event in events:
            state = states.setdefault(event["user_id"], {})
            started = clock()
            apply_events(book, state, [event])  # changes `state`, as the evaluator's
            wall.append(clock() - started)
        cpu = time.process_time() - cpu_started
    finally:
        gc.callbacks.remove(collector)
    return Timings(wall=wall, cpu=cpu, collector=collecting[1], young=young)


def run(args: argparse.Namespace) -> int:
    if args.events is None:
        args.events = BURST_EVENTS if args.end_to_end else EVALUATION_EVENTS
    if args.end_to_end:
        return run_end_to_end(args)
    now = datetime.now(UTC)
    book = Book.of(generate_definitions(args.definitions, now=now, seed=args.seed))
    with progress(args.events, "event") as bar:
        events = []
        for document in stored_events(args.events, now=now, seed=args.seed):
            events.append(document)
            bar.update()
    timings = measure(book, events)
    # The same run under CPython's default collector, beside it: what the rules cost in
    # a process that has not tuned it (the young collections then promote the growing
    # progress, which the old collections walk again and again).
    untuned = measure(book, events, young=CPYTHON_YOUNG_THRESHOLD)
    print_figures(f"bench achievements: {len(events)} events, {args.definitions} definitions",
                  [*figures(book, events, timings), collector_figure(untuned)])
    return 0


def figures(book: Book, events: list[dict[str, Any]], timings: Timings) -> list[Figure]:
    count, wall = len(timings.wall), timings.wall
    cpu_us, wall_us = timings.cpu / count * 1e6, sum(wall) / count * 1e6
    verdict = "met" if cpu_us <= TARGET_US else "missed"
    counting = sum(len(plan.rules) for plan in book.by_event.values())
    plans = [book.by_event.get(e["type"]) for e in events]
    met = sum(len(plan.rules) for plan in plans if plan) / len(events)
    filters = sum(len(plan.filters) for plan in plans if plan) / len(events)
    return [
        ("definitions", f"{len(book.achievements)} ({counting} counting, "
                        f"{len(book.achievements) - counting} all_of)"),
        ("rules met per event", f"{met:.1f} on average, {filters:.1f} distinct filters"),
        ("evaluation per event", f"{cpu_us:.1f} µs CPU mean (target <= {TARGET_US:.0f} µs: "
                                 f"{verdict})"),
        ("in the collector", f"{timings.collector / count * 1e6:.1f} µs per event (young "
                             f"threshold {timings.young:,}, as questlog serve sets it)"),
        ("wall clock per event", f"{wall_us:.1f} µs mean; p50 / p99 / max "
         + " / ".join(f"{percentile(wall, q) * 1e6:.1f}" for q in (50, 99, 100)) + " µs"),
        ("events per second", f"{count / timings.cpu:,.0f} (one core)"),
    ]


def collector_figure(timings: Timings) -> Figure:
    count = len(timings.wall)
    return (f"with young threshold {timings.young:,}",
            f"{timings.cpu / count * 1e6:.1f} µs CPU per event, "
            f"{timings.collector / count * 1e6:.1f} µs of it in the collector")


def add_achievements_benchmark(bench: Any) -> None:
    parser = bench.add_parser(
        "achievements", help="pure achievement evaluation: µs per event with 100 definitions",
        description=__doc__,
    )
    parser.add_argument("--events", type=int, help=f"default {EVALUATION_EVENTS:,}; with "
                        f"--end-to-end {BURST_EVENTS:,}, the burst the report times")
    parser.add_argument("--definitions", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--end-to-end", action="store_true",
                        help="store --events through HTTP into a server of its own with the "
                        "evaluator on; evaluated events/s against the raw insert rate")
    parser.add_argument("--mongodb-url", help="with --end-to-end: default QUESTLOG_MONGODB_URL")
    parser.set_defaults(run=run)


def run_end_to_end(args: argparse.Namespace) -> int:
    from questlog.bench.live import end_to_end  # the HTTP side of the benchmarks
    from questlog.bench.server import on_store

    logging.getLogger("httpx").setLevel(logging.WARNING)
    result = asyncio.run(on_store(
        args.mongodb_url, lambda connection: end_to_end(connection, events=args.events)))
    print_figures(f"bench achievements --end-to-end: {args.events} events, 100 definitions, "
                  f"{result.store}", result.figures())
    return 0
