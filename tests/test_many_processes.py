"""Many processes, one dashboard: races across two real gunicorn instances.

Each test starts the Procfile's `release:` and two `web:` processes (two
dynos, two workers each) on one database, sharing the cache CACHE_URL names:
the machine's Redis in .ci/run's Redis pass; otherwise Django's database
cache (`dbcache://`, the table made by the release), so the default pass
proves the database cache shares state too. Requests are spread over both
dynos and released together; the local Archal counts the calls it gets.

Against the code before shared state (flights per process, lookups and
failed sign-ins counted once finished) each test fails: 4 fetches of one run,
30 fetches with a limit of 5, 10 password checks with a limit of 5. Before
issue 14's slow-down, no guess from many addresses waited at all.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from django.db import connection

import dyno
from runs import signin
from tests.conftest import TEST_TOKEN
from tests.test_deploy import SITE, Visitor, csrf_token, database_url  # noqa: F401 - database_url: a fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.shared_state]

ROUTER = {"Host": SITE, "X-Forwarded-Proto": "https"}


@pytest.fixture(scope="session")
def static_root(tmp_path_factory) -> Path:
    """The build's static files, collected once for every test here."""
    root = tmp_path_factory.mktemp("staticfiles")
    env = dyno.platform_env(database_url="sqlite:///unused.sqlite3", archal_url="http://127.0.0.1:9",
                            archal_token=TEST_TOKEN, static_root=root, allowed_hosts=SITE)
    dyno.run(["python", "manage.py", "collectstatic", "--noinput"], env)
    return root


@pytest.fixture
def dynos(database_url, archal_server, static_root, tmp_path) -> Callable[..., contextmanager]:  # noqa: F811
    """dynos(**settings): release, then two web processes sharing the database and the cache."""
    cache_url = os.environ.get("CACHE_URL") or "dbcache://archal_dash_cache"
    # This test's own keys, as a second deployment sharing the Redis would have.
    cache_url += f"{'&' if '?' in cache_url else '?'}key_prefix=race-{uuid.uuid4().hex}"

    @contextmanager
    def start(**settings: str) -> Iterator[list[dyno.Web]]:
        env = dyno.platform_env(
            database_url=database_url, archal_url=archal_server.url, archal_token=TEST_TOKEN,
            static_root=static_root, allowed_hosts=SITE, LOG_FORMAT="json", WEB_CONCURRENCY="2",
            CACHE_URL=cache_url, **settings,
        )
        dyno.run(["bash", "-c", dyno.procfile_command("release")], env)
        with ExitStack() as stack:
            yield [stack.enter_context(dyno.web(env, tmp_path / f"web{number}.log")) for number in (1, 2)]

    return start


def together(count: int, request: Callable[[int], requests.Response]) -> list[requests.Response]:
    """Make `count` requests at once (released by one barrier); their responses in order."""
    start = threading.Barrier(count)

    def one(number: int) -> requests.Response:
        start.wait()
        return request(number)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def rows(database_url: str, table: str) -> int:  # noqa: F811
    """Rows of `table` in the dynos' database (SQLite: their file, not this process's test database)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            return cursor.fetchone()[0]
    with sqlite3.connect(urlparse(database_url).path) as db:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def served_by_each(webs: list[dyno.Web], path: str) -> list[int]:
    return [web.log.read_text().count(f'"path": "{path}"') for web in webs]


def test_one_archal_call_per_run_across_two_dynos(dynos, archal, database_url, monkeypatch):  # noqa: F811
    # Archal takes 8 s: every request arrives while it is in flight, even on a busy machine
    # (with 3 s it failed once in a full parallel run: two Archal calls).
    monkeypatch.setattr(archal, "slow_seconds", 8.0)
    path = "/runs/fault-slow-headers/"
    with dynos(REQUIRE_LOGIN="false") as webs:
        responses = together(16, lambda number: requests.get(
            webs[number % 2].url + path, headers={**ROUTER, "X-Forwarded-For": f"203.0.113.{number}"}, timeout=60,
        ))
        assert [response.status_code for response in responses] == [200] * 16
        assert all("late" in response.text for response in responses)  # the record, {"late": true}
        assert [call for call, _ in archal.requests] == ["/api/runs/fault-slow-headers"]
        assert rows(database_url, "runs_lookup") == 16  # every lookup is still recorded
        dyno.wait_until(lambda: served_by_each(webs, path) == [8, 8], timeout=10, what="both dynos' access lines")
    assert TEST_TOKEN not in "".join(web.log.read_text() for web in webs)


def test_lookups_per_minute_lets_exactly_the_limit_through_across_two_dynos(dynos, archal, database_url):  # noqa: F811
    for number in range(30):
        archal.overrides[f"race_{number}"] = "fault-slow-headers"  # 3 s each: all 30 race the limit
    with dynos(REQUIRE_LOGIN="false", LOOKUPS_PER_MINUTE="5") as webs:
        responses = together(30, lambda number: requests.get(
            f"{webs[number % 2].url}/runs/race_{number}/", headers={**ROUTER, "X-Forwarded-For": "203.0.113.7"},
            timeout=60,
        ))
    statuses = [response.status_code for response in responses]
    assert sorted(statuses) == [200] * 5 + [429] * 25
    assert len(archal.requests) == 5
    assert rows(database_url, "runs_lookup") == 5
    for response in responses:
        if response.status_code == 429:
            assert 1 <= int(response.headers["Retry-After"]) <= 60
            assert "at most 5 runs a minute per address" in response.text


def test_viewer_requests_per_minute_lets_exactly_the_limit_through_across_two_dynos(dynos, archal):
    with dynos(REQUIRE_LOGIN="false", VIEWER_REQUESTS_PER_MINUTE="5") as webs:
        address = {**ROUTER, "X-Forwarded-For": "203.0.113.9"}
        assert requests.get(f"{webs[0].url}/runs/run_small/", headers=address, timeout=30).status_code == 200
        responses = together(30, lambda number: requests.get(
            f"{webs[number % 2].url}/runs/run_small/search", params={"q": "a"}, headers=address, timeout=60,
        ))
        served = served_by_each(webs, "/runs/run_small/search")
    assert sorted(response.status_code for response in responses) == [200] * 5 + [429] * 25
    assert min(served) > 0  # both dynos answered, so the count was shared
    for response in responses:
        if response.status_code == 429:
            assert 1 <= int(response.headers["Retry-After"]) <= 60
            assert "error" in response.json()


def test_failed_sign_ins_lock_after_exactly_the_limit_across_two_dynos(dynos, database_url):  # noqa: F811
    with dynos(SIGNIN_FAILURES_PER_USERNAME="5") as webs:
        visitors = [Visitor(webs[number % 2].url) for number in range(10)]
        tokens = [csrf_token(visitor.get("/accounts/login/").text) for visitor in visitors]
        responses = together(10, lambda number: visitors[number].request(
            "POST", "/accounts/login/",
            data={"csrfmiddlewaretoken": tokens[number], "username": "alice", "password": f"guess-{number}"},
            headers={"Origin": f"https://{SITE}", "X-Forwarded-For": "198.51.100.7"},  # one username, one address
        ))
    assert [response.status_code for response in responses] == [200] * 10
    pages = [response.text for response in responses]
    assert sum("Please enter a correct username and password" in page for page in pages) == 5
    assert sum("Too many failed sign-ins for this account from this address" in page for page in pages) == 5
    assert rows(database_url, "runs_signinfailure") == 5


def test_racing_guesses_from_many_addresses_are_slowed_one_by_one_across_two_dynos(dynos, database_url):  # noqa: F811
    # Issue 14: a username is never locked by guesses from other addresses; past the limit, each
    # further check waits longer. Counted under the username's lock, so guesses sent at once
    # cannot all read the same count and skip the wait.
    with dynos(SIGNIN_FAILURES_PER_USERNAME="5", SIGNIN_SLOWDOWN_MAX_SECONDS="2") as webs:
        visitors = [Visitor(webs[number % 2].url) for number in range(10)]
        tokens = [csrf_token(visitor.get("/accounts/login/").text) for visitor in visitors]
        responses = together(10, lambda number: visitors[number].request(
            "POST", "/accounts/login/",
            data={"csrfmiddlewaretoken": tokens[number], "username": "alice", "password": f"guess-{number}"},
            headers={"Origin": f"https://{SITE}", "X-Forwarded-For": f"198.51.100.{number}"},
        ))
        waits = dyno.wait_until(lambda: slowdowns(webs) if sum(map(len, slowdowns(webs))) >= 5 else None,
                                timeout=10, what="the dynos' slow-down lines")
    assert [response.status_code for response in responses] == [200] * 10
    assert all("Please enter a correct username and password" in response.text for response in responses)
    assert rows(database_url, "runs_signinfailure") == 10
    # 5 failures in: 0.5 s, doubling per failure, at most 2 s; a process keeps at most
    # SLOWED_AT_ONCE threads asleep (past that a guess is checked at once), so at least 2 wait.
    slowed, not_slowed = waits
    assert sorted(slowed + not_slowed) == [0.5, 1.0, 2.0, 2.0, 2.0]
    assert len(slowed) >= signin.SLOWED_AT_ONCE


def slowdowns(webs: list[dyno.Web]) -> tuple[list[float], list[float]]:
    """The waits before password checks the dynos logged, in seconds: those taken, and those
    skipped because enough threads of the process were asleep already."""
    logs = "".join(web.log.read_text() for web in webs)
    return ([float(seconds) for seconds in re.findall(r"(?<!not )slowed by ([0-9.]+) s", logs)],
            [float(seconds) for seconds in re.findall(r"not slowed by ([0-9.]+) s", logs)])
