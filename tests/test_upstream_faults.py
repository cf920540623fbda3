"""Every way Archal (or a proxy before it) can misbehave: the right page, a lookup, never a 500."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from runs import upstream
from runs.models import Lookup
from runs.outcomes import LookupOutcome
from tests.conftest import TEST_TOKEN, detail_url

pytestmark = pytest.mark.django_db

STATUS_FAULTS = [f"fault-status-{code}-{body}" for code in (500, 502, 503) for body in ("json", "html", "empty")]

# run ID -> (our status, words on the page, recorded outcome)
FAULTS = {
    "fault-slow-headers": (504, "did not answer in time", LookupOutcome.TIMEOUT),
    "fault-dribbled-headers": (504, "did not answer in time", LookupOutcome.TIMEOUT),
    "fault-trickle": (504, "did not answer in time", LookupOutcome.TIMEOUT),
    "fault-reset": (502, "connection broke", LookupOutcome.UPSTREAM_ERROR),
    "fault-truncated": (502, "connection broke", LookupOutcome.UPSTREAM_ERROR),
    **{run_id: (502, f"HTTP {run_id.split('-')[2]}", LookupOutcome.UPSTREAM_ERROR) for run_id in STATUS_FAULTS},
    "fault-429": (503, "try again in 17 seconds", LookupOutcome.RATE_LIMITED),
    "fault-html-200": (502, "not valid JSON", LookupOutcome.UPSTREAM_ERROR),
    "fault-array": (502, "an array, not an object", LookupOutcome.UPSTREAM_ERROR),
    "fault-string": (502, "a string, not an object", LookupOutcome.UPSTREAM_ERROR),
    "fault-number": (502, "a number, not an object", LookupOutcome.UPSTREAM_ERROR),
    "fault-null": (502, "null, not an object", LookupOutcome.UPSTREAM_ERROR),
    "fault-invalid-utf8": (502, "not UTF-8", LookupOutcome.UPSTREAM_ERROR),
    "fault-deep": (502, "nested too deeply", LookupOutcome.UPSTREAM_ERROR),
    "fault-big": (502, "larger than this dashboard accepts", LookupOutcome.UPSTREAM_ERROR),
    "fault-endless": (502, "larger than this dashboard accepts", LookupOutcome.UPSTREAM_ERROR),
    "fault-gzip-bomb": (502, "larger than this dashboard accepts", LookupOutcome.UPSTREAM_ERROR),
    "fault-redirect": (502, "redirect", LookupOutcome.UPSTREAM_ERROR),
    "fault-redirect-same-host": (502, "redirect", LookupOutcome.UPSTREAM_ERROR),
}


OVER_THE_CAP = {"fault-big", "fault-endless", "fault-gzip-bomb"}


@pytest.fixture
def strict(settings, request):
    settings.ARCHAL_TIMEOUT = 0.5
    run_id = request.node.callspec.params["run_id"]
    settings.ARCHAL_MAX_BYTES = 10_000 if run_id in OVER_THE_CAP else 1_000_000
    settings.DEBUG_PROPAGATE_EXCEPTIONS = True  # a crash fails the test instead of hiding in a 500


@pytest.mark.parametrize("run_id", sorted(FAULTS))
def test_fault_gets_its_page_status_and_lookup(client, strict, run_id):
    status, words, outcome = FAULTS[run_id]
    response = client.get(detail_url(run_id))
    assert response.status_code == status
    assert words.lower() in response.content.decode().lower()
    assert b"Traceback" not in response.content
    assert TEST_TOKEN.encode() not in response.content
    lookup = Lookup.objects.get()
    assert (lookup.run_id, lookup.outcome) == (run_id, outcome)


@pytest.mark.parametrize("run_id", sorted(FAULTS))
def test_raw_endpoint_survives_every_fault_too(client, strict, run_id):
    response = client.get(reverse("runs:raw", kwargs={"run_id": run_id}))
    assert response.status_code == FAULTS[run_id][0]


def test_deadline_covers_the_whole_body_not_each_read(settings):
    settings.ARCHAL_TIMEOUT = 0.5
    started = time.monotonic()
    assert isinstance(upstream.fetch_run("fault-trickle"), upstream.UpstreamTimeout)
    assert time.monotonic() - started < 1.5  # 0.5 s deadline; the body trickles for 30 s


JOIN_SECONDS = 20  # far past the 1 s deadlines below; a fetch still waiting then ignored its deadline
T = TypeVar("T")


def within_the_join_limit(action: Callable[[], T]) -> T:
    """action(), waited for at most JOIN_SECONDS (a join, not a clock: a busy machine cannot
    fail it, a fetch that waits out the server's minute of dribbling does)."""
    results: list[T] = []

    def run() -> None:
        try:
            results.append(action())
        finally:
            connection.close()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(JOIN_SECONDS)
    assert not worker.is_alive(), f"still waiting on Archal after {JOIN_SECONDS} s"
    return results[0]


def test_deadline_covers_headers_that_dribble_in(settings, caplog):
    settings.ARCHAL_TIMEOUT = 1.0  # one header byte every 0.1 s, for a minute
    outcome = within_the_join_limit(lambda: upstream.fetch_run("fault-dribbled-headers"))
    assert isinstance(outcome, upstream.UpstreamTimeout)
    assert outcome.status is None  # the headers never ended: Archal gave no status to record
    assert TEST_TOKEN not in caplog.text


@pytest.mark.django_db(transaction=True)  # the page is asked for from another thread
def test_dribbled_headers_get_the_timeout_page(settings):
    settings.ARCHAL_TIMEOUT = 1.0
    settings.DEBUG_PROPAGATE_EXCEPTIONS = True  # a crash fails the test instead of hiding in a 500
    response = within_the_join_limit(lambda: Client().get(detail_url("fault-dribbled-headers")))
    assert response.status_code == 504
    assert "did not answer in time" in response.content.decode()
    assert TEST_TOKEN.encode() not in response.content
    assert Lookup.objects.get().outcome == LookupOutcome.TIMEOUT


def test_a_connection_cut_off_at_the_deadline_never_serves_another_fetch(settings):
    settings.ARCHAL_TIMEOUT = 1.0
    assert isinstance(upstream.fetch_run("run_small"), upstream.RunFound)  # a kept-alive connection in the pool
    outcome = within_the_join_limit(lambda: upstream.fetch_run("fault-dribbled-headers"))
    assert isinstance(outcome, upstream.UpstreamTimeout)
    for _ in range(3):
        assert isinstance(upstream.fetch_run("run_small"), upstream.RunFound)


def test_a_fetch_that_answers_in_time_leaves_no_watchdog_behind(settings):
    settings.ARCHAL_TIMEOUT = 60.0  # a watchdog left armed would wait a minute
    for _ in range(5):
        assert isinstance(upstream.fetch_run("run_small"), upstream.RunFound)
    watchdogs = [thread for thread in threading.enumerate() if thread.name == upstream.WATCHDOG_THREAD]
    give_up = time.monotonic() + JOIN_SECONDS  # one limit for all the joins, not one each
    for watchdog in watchdogs:
        watchdog.join(max(0.0, give_up - time.monotonic()))
    assert not any(watchdog.is_alive() for watchdog in watchdogs)


def test_reading_stops_at_the_cap(archal, settings):
    settings.ARCHAL_MAX_BYTES = 10_000
    archal.endless_sent = None
    started = time.monotonic()
    assert isinstance(upstream.fetch_run("fault-endless"), upstream.UpstreamFailed)
    assert time.monotonic() - started < 1.0
    deadline = time.monotonic() + 5
    while archal.endless_sent is None and time.monotonic() < deadline:
        time.sleep(0.05)
    # The server could push its kernel buffers' worth, never the 200 MB it had.
    assert archal.endless_sent is not None and archal.endless_sent < 20_000_000


@pytest.mark.parametrize("run_id", ["fault-redirect", "fault-redirect-same-host"])
def test_redirects_are_never_followed_and_the_token_goes_nowhere_else(archal, elsewhere_server, run_id):
    elsewhere_server.requests.clear()
    outcome = upstream.fetch_run(run_id)
    assert isinstance(outcome, upstream.UpstreamFailed)
    assert [path for path, _ in archal.requests] == [f"/api/runs/{run_id}"]
    assert elsewhere_server.requests == []


@pytest.mark.parametrize(("run_id", "retry_after"), [
    ("fault-429-superscript", None), ("fault-429-huge", None), ("fault-429-next-year", "86400"),
])
def test_odd_retry_after_headers_never_break_the_page(client, run_id, retry_after, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = True  # a crash fails the test instead of hiding in a 500
    response = client.get(detail_url(run_id))
    assert response.status_code == 503
    assert response.get("Retry-After") == retry_after
    words = "in a minute" if retry_after is None else f"in {retry_after} seconds"
    assert words in response.content.decode()


def test_a_content_length_that_is_not_ascii_digits_is_ignored(client, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = True
    response = client.get(detail_url("fault-length-superscript"))
    assert response.status_code == 200 and b"run_small" in response.content
