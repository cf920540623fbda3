"""Parsing stored records: one parse per snapshot however many requests miss the cache at once,
a bound on parses at once per process, and a cache bounded by the memory of what it keeps."""

from __future__ import annotations

import gc
import json
import threading
import tracemalloc

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from runs import jsonio, records
from runs.models import Snapshot
from sample_api.sweep import backlog_sweep, encode
from tests.conftest import detail_url, in_threads

pytestmark = pytest.mark.django_db(transaction=True)  # the threads read with their own connections


def stored(run_id: str, steps: int = 40_000) -> bytes:
    """Store a record of about 100 bytes a step as the run's snapshot (as a fetch would); its body."""
    trace = [{"step": number, "tool": "search_issues", "text": f"step {number} of {run_id} " * 3} for number in range(steps)]
    body = json.dumps({"id": run_id, "trace": trace}).encode()
    Snapshot.objects.store(run_id, body)
    return body


@pytest.fixture(autouse=True)
def cold(settings):
    """No record parsed yet, and parses counted afresh; no background index builds to wait for."""
    settings.SEARCH_INDEX_IN_BACKGROUND = False
    records.forget_all()
    records.parse_slots.reset()
    yield
    records.forget_all()


def subtree_url(run_id: str) -> str:
    return reverse("runs:tree", kwargs={"run_id": run_id}) + "?pointer=/trace&offset=0&end=5&fragment=1"


def test_six_requests_for_subtrees_of_one_uncached_record_share_one_parse():
    stored("run_shared")

    statuses = in_threads(6, lambda _: Client().get(subtree_url("run_shared")).status_code, race=True)
    assert statuses == [200] * 6
    assert records.parse_slots.parses == 1


def test_six_loads_of_one_uncached_record_return_the_same_parsed_record():
    stored("run_shared")

    loaded = in_threads(6, lambda _: records.load("run_shared"), race=True)
    assert len({id(parsed) for parsed in loaded}) == 1
    assert records.parse_slots.parses == 1


def test_when_the_parse_fails_no_waiter_hangs_and_each_gets_the_error():
    # Stored bytes that are not JSON (a fetch stores only JSON; a damaged database might not).
    Snapshot.objects.create(run_id="run_broken", body=b'{"trace": [1, 2', sha256="0" * 64, size_bytes=15,
                            fetched_at=timezone.now())

    def load(_: int) -> str:
        try:
            records.load("run_broken")
        except jsonio.InvalidJSON:
            return "invalid"
        return "loaded"

    assert in_threads(6, load, race=True) == ["invalid"] * 6


def test_at_most_records_parses_at_once_are_parsed_at_a_time(settings):
    settings.RECORD_PARSES_AT_ONCE = 1
    settings.RECORD_PARSE_WAIT_SECONDS = 300  # the test is about how many at once, not about giving up
    run_ids = [f"run_bound_{number}" for number in range(4)]
    for run_id in run_ids:
        stored(run_id)

    loaded = in_threads(4, lambda number: records.load(run_ids[number]), race=True)
    assert [parsed.run_id for parsed in loaded] == run_ids
    assert records.parse_slots.parses == 4
    assert records.parse_slots.most_at_once == 1


def test_a_request_that_finds_no_parse_slot_in_time_is_answered_503_with_retry_after(settings, client):
    settings.RECORD_PARSES_AT_ONCE = 1
    settings.RECORD_PARSE_WAIT_SECONDS = 0
    settings.RUN_CACHE_SECONDS = 3600  # the run page answers from the stored copy, which needs a parse
    stored("run_busy", steps=10)

    with records.parse_slots.taken(0):  # another record's parse holds the only slot
        fragment = client.get(subtree_url("run_busy"))
        located = client.get(reverse("runs:locate", kwargs={"run_id": "run_busy"}), {"pointer": "/trace"})
        page = client.get(detail_url("run_busy"))
    assert (fragment.status_code, fragment["Retry-After"]) == (503, "5")
    assert (located.status_code, located["Retry-After"]) == (503, "5")
    assert "reading other large records" in located.json()["error"]
    assert (page.status_code, page["Retry-After"]) == (503, "5")
    assert "Busy reading other records" in page.content.decode()
    assert client.get(subtree_url("run_busy")).status_code == 200  # the slot is free again


def test_requests_waiting_on_a_parse_that_finds_no_slot_are_told_so_and_none_hangs(settings):
    settings.RECORD_PARSES_AT_ONCE = 1
    settings.RECORD_PARSE_WAIT_SECONDS = 0.5
    stored("run_waiting", steps=10)

    def load(_: int) -> str:
        try:
            records.load("run_waiting")
        except records.ParsesBusy:
            return "busy"
        return "loaded"

    with records.parse_slots.taken(0):
        assert in_threads(3, load, race=True) == ["busy"] * 3
    assert records.parse_slots.parses == 1  # the test's own


def test_the_record_cache_counts_the_memory_a_kept_record_takes_not_its_json():
    body = encode(backlog_sweep("run_memory", 2_000_000))  # an agent's trace, as bench.records makes them
    Snapshot.objects.store("run_memory", body)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        parsed = records.load("run_memory")
        assert parsed is not None
        parsed.search_index()
        trace = parsed.summary.trace
        assert trace is not None
        parsed.steps_at(trace.pointer, trace.value)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()

    assert kept > 3 * len(body)  # the memory is several times the JSON
    assert kept <= records._cache.bytes_held <= 1.5 * kept


def test_no_parse_flight_is_left_once_the_loads_end():
    stored("run_shared", steps=10)
    in_threads(3, lambda _: records.load("run_shared"), race=True)
    assert records._flights == {}
    assert not any(thread.name.startswith("search index") for thread in threading.enumerate())
