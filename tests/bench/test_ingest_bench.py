"""Smoke tests of `questlog bench ingest` and `questlog bench raw` on the in-memory store.

They check that the figures are printed and that the counts add up, never timings.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from printed_figures import figures

from questlog.bench.ingest import drive
from questlog.bench.raw import emptied, stored_documents
from questlog.bench.report import percentile
from questlog.bench.server import free_port, on_new_local_store, own_server
from questlog.bench.synthetic import MIX
from questlog.bootstrap import ensure_retention, retention
from questlog.cli import main
from questlog.settings import Settings
from questlog.store.connection import connect, open_store
from questlog.store.documents import StoredEvent
from questlog.store.indexes import index_spec


def test_bench_ingest_stores_every_batch_and_compares_with_raw(capsys: pytest.CaptureFixture[str]):
    argv = ["bench", "ingest", "--events", "25", "--batch", "10", "--concurrency", "2",
            "--compare-raw"]

    assert main(argv) == 0

    output = capsys.readouterr().out
    http = figures(output, "bench ingest: 25 events, batch 10")
    assert http["accepted"] == "25"
    assert (http["duplicates"], http["rejected"]) == ("0", "0")
    assert http["errors"] == "0 requests, 0 events"
    assert http["events/s"].replace(",", "").isdigit()
    assert http["batch latency p50/p95/p99"].endswith(" ms")
    raw = figures(output, "bench raw: 25 documents, batch 10")
    assert raw["inserted"] == "25"
    assert raw["docs/s"].replace(",", "").isdigit()
    assert "HTTP batch / raw insert" in figures(output, "ratio")


def test_bench_ingest_single_posts_one_event_per_request(capsys: pytest.CaptureFixture[str]):
    assert main(["bench", "ingest", "--single", "--events", "12", "--concurrency", "2"]) == 0

    single = figures(capsys.readouterr().out, "bench ingest: 12 events, single events")
    assert single["accepted"] == "12"
    assert single["errors"] == "0 requests, 0 events"
    assert single["request latency p50/p95/p99"].endswith(" ms")


def test_bench_raw_inserts_every_document(capsys: pytest.CaptureFixture[str]):
    assert main(["bench", "raw", "--events", "30", "--batch", "7", "--concurrency", "3"]) == 0

    raw = figures(capsys.readouterr().out, "bench raw: 30 documents, batch 7")
    assert raw["inserted"] == "30"
    assert raw["document size"].endswith("bytes (BSON, average)")


def test_unreachable_server_counts_every_event_as_failed(capsys: pytest.CaptureFixture[str]):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    assert main(["bench", "ingest", "--url", url, "--key", "k", "--events", "20",
                 "--batch", "5"]) == 1

    http = figures(capsys.readouterr().out, "bench ingest: 20 events, batch 5")
    assert http["accepted"] == "0"
    assert http["errors"].startswith("4 requests, 20 events (first: ConnectionRefusedError")


async def test_a_refused_key_is_reported_as_errors_not_as_stored_events(tmp_path: Path):
    async with own_server(connect("memory", data_dir=tmp_path)) as server:
        tally = await drive(url=server.url, key="not-a-key", events=6, batch=3, concurrency=1,
                            single=False)

    assert (tally.accepted, tally.errors, tally.failed) == (0, 2, 6)
    assert tally.first_error is not None
    assert tally.first_error.startswith("HTTP 401 unauthorized")


@pytest.mark.parametrize("argv", [
    ["--url", "http://127.0.0.1:1"],  # no key
    ["--url", "http://127.0.0.1:1", "--key", "k", "--compare-raw"],  # raw on which store?
    ["--single", "--compare-raw"],
])
def test_inconsistent_ingest_options_are_refused(argv: list[str]):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "ingest", *argv])
    assert exit_info.value.code == 2


def test_raw_documents_are_the_stored_shape_in_the_seed_mix():
    documents = stored_documents(2000)

    assert len({d["_id"] for d in documents}) == 2000
    assert set(Counter(d["type"] for d in documents)) == {event_type for event_type, _, _ in MIX}
    assert all({"received_at", "event_time", "ingest_id"} <= d.keys() for d in documents)


def test_raw_documents_are_stamped_per_request_as_ingestion_stamps_them():
    documents = stored_documents(2000, batch=500)

    requests = [documents[i:i + 500] for i in range(0, 2000, 500)]
    for request in requests:
        assert len({(d["received_at"], d["ingest_id"]) for d in request}) == 1
    stamps = [request[0]["received_at"] for request in requests]
    assert stamps == sorted(set(stamps))  # each request after the one before
    assert len({request[0]["ingest_id"] for request in requests}) == 4


async def test_an_emptied_events_collection_keeps_every_index_of_the_events_collection(
    tmp_path: Path,
):
    # The raw floor and each of the report's HTTP rounds start from this state: the
    # store's cost of an insert grows with what the collection holds.
    settings = Settings()
    expiring = [document for document, _, _ in retention(settings)]
    store = await open_store(connect("memory", data_dir=tmp_path), "bench_empty", expiring)
    await ensure_retention(store, settings)  # as a start does
    events = store.database["events"]
    await events.insert_many(stored_documents(5))
    started_with = await events.index_information()

    await emptied(events, StoredEvent)

    assert await events.count_documents({}) == 0
    assert _definitions(await events.index_information()) == _definitions(started_with)


def _definitions(indexes: dict[str, Any]) -> dict[str, Any]:
    """Each index's keys and options, the TTL's length among them."""
    return {name: index_spec(index) for name, index in indexes.items()}


def test_percentile_interpolates_between_ranks():
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([float(v) for v in range(1, 101)], 99) == pytest.approx(99.01)
    assert percentile([7.0], 99) == 7.0


@pytest.mark.mongodb
async def test_a_report_store_is_a_new_local_server_gone_with_its_data_after(
    tmp_path: Path,
) -> None:
    configured = connect(None, data_dir=tmp_path)  # the data dir's own local store
    try:
        seen: dict[str, Any] = {}

        async def work(connection: Any) -> str:
            seen["dir"] = connection.local.data_dir
            await connection.client.questlog.probe.insert_one({"_id": 1})
            return str(connection.url)

        url = await on_new_local_store(Settings(data_dir=tmp_path), work)
        assert url != configured.url
        assert seen["dir"].parent == tmp_path
        assert not seen["dir"].exists()  # removed, with the data written there
        assert await configured.client.questlog.probe.count_documents({}) == 0
    finally:
        configured.close()
