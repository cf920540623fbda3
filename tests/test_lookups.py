"""How a lookup is answered: recent copy, Archal, one fetch per run, stored copy when Archal fails."""

from __future__ import annotations

import inspect
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dyno import wait_until
from runs import lookups, records, shared, upstream
from runs.models import Lookup, Snapshot
from runs.outcomes import LookupOutcome
from tests.conftest import detail_url, in_threads
from tests.shared_cache import own_cache_keys  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.shared_state, pytest.mark.usefixtures("own_cache_keys")]


def upstream_calls(archal) -> list[str]:
    return [path for path, _ in archal.requests]


def test_a_run_fetched_moments_ago_is_answered_from_its_copy(client, archal):
    client.get(detail_url("run_small"))
    response = client.get(detail_url("run_small"))
    assert response.status_code == 200
    assert b"a recent copy" in response.content
    assert upstream_calls(archal) == ["/api/runs/run_small"]
    assert list(Lookup.objects.values_list("outcome", flat=True)) == [LookupOutcome.RECENT_COPY, LookupOutcome.FOUND]


def test_refresh_asks_archal_even_for_a_recent_copy(client, archal):
    client.get(detail_url("run_small"))
    client.post(detail_url("run_small"))  # the page's Refresh (tests/test_refresh.py)
    assert upstream_calls(archal) == ["/api/runs/run_small"] * 2


def test_an_older_copy_is_not_used_and_zero_turns_the_cache_off(client, archal, settings):
    client.get(detail_url("run_small"))
    Snapshot.objects.update(fetched_at=timezone.now() - timedelta(seconds=31))
    client.get(detail_url("run_small"))
    settings.RUN_CACHE_SECONDS = 0
    client.get(detail_url("run_small"))
    assert len(upstream_calls(archal)) == 3


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("fault-slow-headers", "Archal did not answer in time"),
        ("fault-status-503-html", "HTTP 503"),
        ("fault-status-500-json", "Something broke (500)."),
        ("fault-reset", "connection broke"),
        ("fault-429", "rate limiting"),
    ],
)
def test_when_archal_fails_the_stored_copy_is_shown_with_a_banner(client, archal, settings, fault, words):
    settings.ARCHAL_TIMEOUT = 0.5
    settings.RUN_CACHE_SECONDS = 0
    client.get(detail_url("run_small"))
    archal.overrides["run_small"] = fault
    response = client.get(detail_url("run_small"))
    assert response.status_code == 200
    html = response.content.decode()
    assert words in html
    assert "this is the record as fetched at" in html
    assert "505874924095815681" in html  # the record itself
    assert Lookup.objects.first().outcome != LookupOutcome.FOUND


def test_connection_refused_falls_back_to_the_stored_copy(client, settings):
    settings.RUN_CACHE_SECONDS = 0
    client.get(detail_url("run_small"))
    settings.ARCHAL_API_URL = "http://127.0.0.1:9"
    response = client.get(detail_url("run_small"))
    assert response.status_code == 200
    assert b"Could not connect to Archal" in response.content


@pytest.mark.parametrize(("fault", "status"), [("fault-403", 502), ("fault-status-404-json", 404)])
def test_answers_about_the_run_itself_stand_even_with_a_copy(client, archal, settings, fault, status):
    settings.RUN_CACHE_SECONDS = 0
    client.get(detail_url("run_small"))
    archal.overrides["run_small"] = fault
    assert client.get(detail_url("run_small")).status_code == status


def test_rejected_token_stands_even_with_a_copy(client, settings):
    settings.RUN_CACHE_SECONDS = 0
    client.get(detail_url("run_small"))
    settings.ARCHAL_TOKEN = "tok_revoked"
    assert client.get(detail_url("run_small")).status_code == 502


def test_raw_falls_back_to_the_stored_bytes(client, archal, settings):
    settings.RUN_CACHE_SECONDS = 0
    client.get(detail_url("run_small"))
    archal.overrides["run_small"] = "fault-status-502-empty"
    response = client.get(reverse("runs:raw", kwargs={"run_id": "run_small"}))
    assert response.status_code == 200
    assert response.content == archal.records["run_small"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_one_run_share_one_fetch(archal, settings):
    settings.RUN_CACHE_SECONDS = 0
    statuses = in_threads(8, lambda _: Client().get(detail_url("fault-slow-ok")).status_code, race=True)
    assert statuses == [200] * 8
    assert upstream_calls(archal) == ["/api/runs/fault-slow-ok"]
    assert Lookup.objects.count() == 8


@pytest.mark.django_db(transaction=True)
def test_200_concurrent_lookups_of_distinct_runs_leave_200_rows(archal, settings):
    settings.LOOKUPS_PER_MINUTE = 0
    settings.ARCHAL_TIMEOUT = 10  # 50 threads at once on a busy machine: rows are counted here, not deadlines
    records.forget_all()

    statuses = in_threads(200, lambda number: Client().get(detail_url(f"run_missing_{number}")).status_code, workers=50)
    assert statuses == [404] * 200
    assert Lookup.objects.count() == 200
    assert Lookup.objects.values("run_id").distinct().count() == 200


def waiting_on_a_flight() -> int:
    """Threads blocked in a flight's `done.wait()` in lookups._Flights.fetch (not in the leader's own fetch)."""
    fetch = lookups._Flights.fetch.__code__
    waiting = 0
    for frame in sys._current_frames().values():
        while frame is not None and frame.f_code.co_name != "wait":
            frame = frame.f_back
        while frame is not None and frame.f_code.co_name == "wait":  # Condition.wait inside Event.wait
            frame = frame.f_back
        waiting += frame is not None and frame.f_code is fetch
    return waiting


def test_when_the_first_fetch_raises_the_waiters_try_again_instead_of_reporting_a_timeout():
    entered, release = threading.Event(), threading.Event()
    calls = []

    def fetch(run_id: str) -> upstream.FetchOutcome:
        calls.append(run_id)
        if len(calls) == 1:
            entered.set()
            release.wait(5)
            raise RuntimeError("the database went away while storing")
        return upstream.RunNotFound(status=404)

    flights = lookups._Flights(fetch)
    with ThreadPoolExecutor(4) as pool:
        leader = pool.submit(flights.fetch, "run_a", time.time())
        entered.wait(5)
        waiters = [pool.submit(flights.fetch, "run_a", time.time()) for _ in range(3)]
        wait_until(lambda: waiting_on_a_flight() == 3, what="the waiters to wait on the leader's flight")
        release.set()
        with pytest.raises(RuntimeError):
            leader.result()
        outcomes = [waiter.result() for waiter in waiters]
    assert all(isinstance(outcome, upstream.RunNotFound) for outcome in outcomes)
    assert 2 <= len(calls) <= 4  # one retry leads; others may share it


def test_a_cached_record_shows_when_it_was_last_fetched_even_by_another_process(client):
    client.get(detail_url("run_small"))
    cached = records.load("run_small")
    later = cached.fetched_at + timedelta(minutes=5)
    Snapshot.objects.filter(run_id="run_small").update(fetched_at=later)  # as another process's refetch would
    assert records.load("run_small") is cached
    assert cached.fetched_at == later


# --- One fetch per run across processes ---------------------------------------------
# Two threads calling lookups._shared_flight share nothing but the cache, as two
# processes do; the request's thread is the leader of its own process's flight.


def waiting_for_a_shared_flight() -> int:
    """Threads asleep in lookups._shared_flight's backoff: waiters that have seen the leader's
    lock (one that has only entered may still find the flight landed, and fetch again)."""
    lines, first = inspect.getsourcelines(lookups._shared_flight)
    sleep_line = first + next(number for number, line in enumerate(lines) if "time.sleep(" in line)
    code = lookups._shared_flight.__code__
    return sum(frame.f_code is code and frame.f_lineno == sleep_line for frame in sys._current_frames().values())


def other_process_fetching(run_id: str, pool: ThreadPoolExecutor):
    """Start "another process's" fetch of `run_id` that lands when the returned event is set."""
    entered, land = threading.Event(), threading.Event()

    def gated_fetch(run_id: str) -> upstream.FetchOutcome:
        entered.set()
        land.wait(10)
        try:
            return lookups._fetch_and_keep(run_id)
        finally:
            connection.close()

    leader = pool.submit(lookups._shared_flight, run_id, gated_fetch, time.time())
    assert entered.wait(5)
    return leader, land


def get_page(path: str):
    try:
        return Client().get(path)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_request_waits_for_another_processs_fetch_and_shows_its_record(archal, settings):
    settings.RUN_CACHE_SECONDS = 0
    with ThreadPoolExecutor(2) as pool:
        leader, land = other_process_fetching("run_small", pool)
        request = pool.submit(get_page, detail_url("run_small"))
        wait_until(lambda: waiting_for_a_shared_flight() == 1, what="the request to wait on the other fetch")
        assert upstream_calls(archal) == []
        land.set()
        assert isinstance(leader.result(), upstream.RunFound)
        response = request.result()
    assert response.status_code == 200
    assert b"505874924095815681" in response.content
    assert upstream_calls(archal) == ["/api/runs/run_small"]
    assert list(Lookup.objects.values_list("outcome", flat=True)) == [LookupOutcome.FOUND]


@pytest.mark.django_db(transaction=True)
def test_a_request_reports_the_failure_another_processs_fetch_met(archal, settings):
    settings.RUN_CACHE_SECONDS = 0
    archal.overrides["run_small"] = "fault-status-503-html"
    with ThreadPoolExecutor(2) as pool:
        leader, land = other_process_fetching("run_small", pool)
        request = pool.submit(get_page, detail_url("run_small"))
        wait_until(lambda: waiting_for_a_shared_flight() == 1, what="the request to wait on the other fetch")
        land.set()
        assert isinstance(leader.result(), upstream.UpstreamFailed)
        response = request.result()
    assert response.status_code == 502
    assert "HTTP 503" in response.content.decode()
    assert upstream_calls(archal) == ["/api/runs/run_small"]


@pytest.mark.django_db(transaction=True)
def test_a_fetch_that_landed_after_a_lookup_began_answers_it(archal, settings):
    # The race two dynos ran into: a lookup finds no recent copy, another process's
    # fetch lands and releases its lock, and only then does the lookup reach the flight.
    settings.RUN_CACHE_SECONDS = 0
    asked_at = time.time()
    assert isinstance(lookups._shared_flight("run_small", lookups._fetch_and_keep, time.time()), upstream.RunFound)
    outcome = lookups._shared_flight("run_small", lookups._fetch_and_keep, asked_at)
    assert isinstance(outcome, upstream.RunFound)
    assert upstream_calls(archal) == ["/api/runs/run_small"]


@pytest.mark.django_db(transaction=True)
def test_a_fetch_that_landed_before_a_lookup_began_does_not_answer_it(archal, settings):
    settings.RUN_CACHE_SECONDS = 0
    assert isinstance(lookups._shared_flight("run_small", lookups._fetch_and_keep, time.time()), upstream.RunFound)
    asked_at = time.time() + 0.001  # strictly after the landing, whatever the clock's resolution
    assert isinstance(lookups._shared_flight("run_small", lookups._fetch_and_keep, asked_at), upstream.RunFound)
    assert upstream_calls(archal) == ["/api/runs/run_small", "/api/runs/run_small"]


@pytest.mark.django_db(transaction=True)
def test_a_landing_whose_record_is_gone_is_read_once_while_waiting_for_the_next_flight():
    # Another process's fetch landed after this lookup began, but its snapshot was trimmed
    # since, and a newer flight is in the air: wait for that one, without re-reading the old.
    asked_at = time.time()
    shared.publish("landed", "run_gone", lookups._Landed("old-token", time.time(), None), 30)
    lock = shared.try_lock("flight:run_gone", 30)
    assert lock is not None
    releaser = threading.Timer(1.0, shared.release, [lock])
    releaser.start()
    try:
        with CaptureQueriesContext(connection) as queries:
            outcome = lookups._shared_flight("run_gone", lambda run_id: upstream.UpstreamTimeout(), asked_at)
    finally:
        releaser.join()
    assert isinstance(outcome, upstream.UpstreamTimeout)  # its own fetch, once the lock was free
    snapshot_reads = [query for query in queries if "runs_snapshot" in query["sql"]]
    assert len(snapshot_reads) <= 2  # one read of the gone record (and its body); ~40 polls re-read it


@pytest.mark.django_db(transaction=True)
def test_a_flight_whose_process_died_expires_and_the_waiter_fetches(archal, settings):
    settings.RUN_CACHE_SECONDS = 0
    # Taken and never released or published, as by a worker killed mid-fetch.
    assert shared.try_lock("flight:run_small", 1) is not None
    started = time.monotonic()
    response = get_page(detail_url("run_small"))
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.5  # it waited for the lock to expire
    assert upstream_calls(archal) == ["/api/runs/run_small"]


def test_a_reload_from_a_recent_copy_is_two_queries(client, settings, django_assert_num_queries):
    # The hot path of a popular run: read the snapshot's version (the record is kept in this
    # process), count the view on the minute's row. The template and tree are cached per record.
    settings.RUN_CACHE_SECONDS = 300
    request = RequestFactory().get(detail_url("run_small"), REMOTE_ADDR="203.0.113.5")
    request.user = AnonymousUser()
    client.get(detail_url("run_small"))  # fetched, stored and kept
    lookups.look_up(request, "run_small")  # the minute's row of recent-copy views
    with django_assert_num_queries(2):
        answer = lookups.look_up(request, "run_small")
    assert answer.source is lookups.Source.RECENT
