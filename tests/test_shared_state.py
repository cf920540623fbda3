"""runs.shared: locks and published values over Django's cache, whichever CACHE_URL names.

With CACHE_URL unset these run against the local-memory cache; .ci/run runs
them again with CACHE_URL=redis://… (and they check they really got Redis).
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache

from dyno import wait_until
from runs import shared
from tests.shared_cache import own_cache_keys  # noqa: F401 - a fixture

pytestmark = [pytest.mark.shared_state, pytest.mark.usefixtures("own_cache_keys")]


def test_the_cache_is_the_one_cache_url_names(settings):
    backend = settings.CACHES["default"]["BACKEND"]
    url = os.environ.get("CACHE_URL", "")
    if url.startswith("redis"):
        assert backend == "django.core.cache.backends.redis.RedisCache"
    elif url.startswith("dbcache"):
        assert backend == "django.core.cache.backends.db.DatabaseCache"
    else:
        assert backend == "django.core.cache.backends.locmem.LocMemCache"


def test_a_lock_is_taken_once_until_its_owner_releases_it():
    first = shared.try_lock("flight:run_a", 30)
    assert first is not None and first.held
    assert shared.try_lock("flight:run_a", 30) is None
    assert shared.holder("flight:run_a") == first.token
    assert shared.try_lock("flight:run_b", 30) is not None  # another name, another lock
    shared.release(first)
    assert shared.holder("flight:run_a") is None
    assert shared.try_lock("flight:run_a", 30) is not None


def test_only_the_owner_releases_a_lock():
    mine = shared.try_lock("flight:run_a", 30)
    assert mine is not None
    shared.release(shared.Lock(mine.key, "someone-else"))
    assert shared.holder("flight:run_a") == mine.token


def test_a_lock_expires_so_a_killed_holder_cannot_wedge_it():
    assert shared.try_lock("flight:run_a", 1) is not None  # and never released, as by a killed worker
    assert shared.try_lock("flight:run_a", 1) is None
    wait_until(lambda: shared.try_lock("flight:run_a", 30), timeout=5, interval=0.1, what="the lock to expire")


def test_keys_hash_any_name_to_a_short_safe_key():
    long_odd = "run/with?odd#chars \n" + "x" * 1000
    assert shared.key("lock", long_odd) == shared.key("lock", long_odd)
    assert len(shared.key("lock", long_odd)) < 60 and " " not in shared.key("lock", long_odd)
    lock = shared.try_lock(long_odd, 30)
    assert lock is not None and shared.holder(long_odd) == lock.token


def test_locked_lets_one_thread_at_a_time_through():
    inside, most_inside, counter = 0, 0, []
    guard = threading.Lock()
    start = threading.Barrier(8)

    def work(_: int) -> bool:
        nonlocal inside, most_inside
        start.wait()
        with shared.locked("count:x") as held:
            with guard:
                inside += 1
                most_inside = max(most_inside, inside)
            value = len(counter)  # read, pause, write: loses updates unless one at a time
            time.sleep(0.005)
            counter.append(value)
            with guard:
                inside -= 1
        return held

    with ThreadPoolExecutor(8) as pool:
        helds = list(pool.map(work, range(8)))
    assert helds == [True] * 8
    assert most_inside == 1
    assert counter == list(range(8))
    assert shared.holder("count:x") is None


def test_held_tokens_expire_one_by_one_and_can_be_removed():
    held = shared.Held("lookups:address:203.0.113.7")
    held.add("a", 30)
    held.add("b", 1)
    held.add("c", 30)
    assert set(held.live()) == {"a", "b", "c"}
    held.remove("a")
    assert set(held.live()) == {"b", "c"}
    wait_until(lambda: set(held.live()) == {"c"}, timeout=5, interval=0.1, what="b to expire")
    held.remove("c")
    assert held.live() == {}


def test_published_values_are_read_back_until_they_expire():
    shared.publish("landed", "run_a", {"outcome": "found"}, 30)
    assert shared.published("landed", "run_a") == {"outcome": "found"}
    assert shared.published("landed", "run_b") is None


def test_count_one_counts_to_the_limit_then_says_when_the_window_ends():
    assert [shared.count_one("viewer:address:203.0.113.7", 3, 60) for _ in range(3)] == [0, 0, 0]
    assert 1 <= shared.count_one("viewer:address:203.0.113.7", 3, 60) <= 60  # refused, till the window ends
    assert shared.count_one("viewer:address:198.51.100.2", 3, 60) == 0  # another name, another count


def test_a_cache_that_does_not_answer_fails_no_request(settings, caplog):
    # Nothing listens on port 1: every call fails as it would with Redis down.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    lock = shared.try_lock("flight:run_a", 30)
    assert lock is not None and not lock.held  # the caller carries on as if alone
    shared.release(lock)
    with shared.locked("count:x") as held:
        assert held is False
    assert shared.holder("flight:run_a") is None
    shared.publish("landed", "run_a", 1, 30)
    assert shared.published("landed", "run_a") is None
    held_tokens = shared.Held("x")
    held_tokens.add("a", 30)
    assert held_tokens.live() == {}
    assert shared.count_one("x", 1, 60) == shared.count_one("x", 1, 60) == 0  # nothing counted, nothing refused
    assert "shared cache failed" in caplog.text
    assert cache.__class__.__name__  # the proxy itself is fine
