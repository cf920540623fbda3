"""What the database keeps, and how it stays bounded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from runs import upstream
from runs.models import Lookup, Snapshot

pytestmark = pytest.mark.django_db


def found(body: bytes = b"{}") -> upstream.RunFound:
    return upstream.RunFound(status=200, record={}, body=body, elapsed_ms=12)


def test_lookup_records_outcome_status_duration_and_size():
    lookup = Lookup.objects.record("run_a", found(b'{"a": 1}'))
    assert (lookup.outcome, lookup.upstream_status, lookup.duration_ms, lookup.size_bytes) == (
        "found", 200, 12, 8,
    )
    assert str(lookup).startswith("run_a (Found, ")


def test_lookups_are_trimmed_to_the_retention_setting(settings):
    settings.LOOKUPS_KEPT = 3
    for index in range(5):
        Lookup.objects.record(f"run_{index}", upstream.RunNotFound(status=404))
    assert list(Lookup.objects.values_list("run_id", flat=True)) == ["run_4", "run_3", "run_2"]


def test_recent_runs_are_distinct_and_newest_first():
    for run_id in ["a", "b", "a", "c", "b"]:
        Lookup.objects.record(run_id, found())
    assert [lookup.run_id for lookup in Lookup.objects.recent_runs(10)] == ["b", "c", "a"]
    assert [lookup.run_id for lookup in Lookup.objects.recent_runs(2)] == ["b", "c"]


def test_snapshot_keeps_the_last_body_of_a_run():
    Snapshot.objects.store("run_a", b'{"v": 1}')
    Snapshot.objects.store("run_a", b'{"v": 2}')
    snapshot = Snapshot.objects.get(run_id="run_a")
    assert snapshot.original_body() == b'{"v": 2}'
    assert snapshot.size_bytes == 8


def test_unchanged_snapshot_only_moves_its_fetch_time():
    long_ago = timezone.now() - timedelta(days=1)
    Snapshot.objects.store("run_a", b'{"v": 1}')
    Snapshot.objects.update(fetched_at=long_ago)
    Snapshot.objects.store("run_a", b'{"v": 1}')
    assert Snapshot.objects.get().fetched_at > long_ago
    assert Snapshot.objects.count() == 1


def test_snapshots_are_trimmed_to_the_retention_setting(settings):
    settings.SNAPSHOTS_KEPT = 2
    settings.RUN_CACHE_SECONDS = 0
    for run_id in ["a", "b", "c"]:
        Snapshot.objects.store(run_id, b"{}")
    assert sorted(Snapshot.objects.values_list("run_id", flat=True)) == ["b", "c"]


def test_a_snapshot_young_enough_to_answer_as_a_recent_copy_is_never_trimmed(settings):
    # Many new runs at once (a load test stored 13 a second) trimmed a hot run's copy after
    # 15 s, and its viewers went to Archal again within RUN_CACHE_SECONDS.
    settings.SNAPSHOTS_KEPT = 2
    settings.RUN_CACHE_SECONDS = 30
    Snapshot.objects.store("old", b"{}")
    Snapshot.objects.filter(run_id="old").update(fetched_at=timezone.now() - timedelta(seconds=60))
    for run_id in ["a", "b", "c", "d"]:
        Snapshot.objects.store(run_id, b"{}")
    assert sorted(Snapshot.objects.values_list("run_id", flat=True)) == ["a", "b", "c", "d"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_trims_never_fail(settings):
    # Many processes trim at once; one deleting the rows another looks at must not break it.
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    settings.SNAPSHOTS_KEPT = 3
    settings.LOOKUPS_KEPT = 3
    settings.RUN_CACHE_SECONDS = 0

    def store(number: int) -> None:
        try:
            Snapshot.objects.store(f"run_{number}", b"{}")
            Lookup.objects.record(f"run_{number}", upstream.RunNotFound(status=404))
        finally:
            connection.close()

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(store, range(120)))  # re-raises any thread's exception
    # Trims that ran side by side may not have seen each other's rows (READ
    # COMMITTED), so the bound holds up to the writers in flight, and exactly
    # again at the next trim.
    assert Snapshot.objects.count() <= 3 + 16 and Lookup.objects.count() <= 3 + 16
    store(120)
    assert Snapshot.objects.count() == 3
    assert Lookup.objects.count() == 3
