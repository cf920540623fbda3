"""Locust users reading run pages, as people behind the platform's router would.

Run by `python -m loadtest` (which starts gunicorn and the slow Archal, and
sets the LOADTEST_* variables); not meant to be started on its own.

Each user reads a run, pauses (LOADTEST_WAIT seconds, uniform), and reads
another: with probability LOADTEST_CACHED_SHARE one of the few hot runs,
which the warm-up fetched and the dashboard answers from its recent copy;
otherwise a run never seen before (a new ID each time), which costs one
Archal call. Record sizes follow loadtest.records.SIZES. Each user keeps
to one dyno of LOADTEST_HOSTS, users taking them in turn.

What each page says decides how it counts, not just its status: a page must
be 200 and come from where it should. A hot run's page fetched from Archal
(its recent copy had expired: RUN_CACHE_SECONDS) is counted apart, as
"cached, expired"; a stored copy shown because Archal failed, any other
status, a redirect or a connection error is an error.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

import gevent
from locust import FastHttpUser, between, events, task

from loadtest import CACHED, EXPIRED, FROM_RECENT_COPY, STALE_BANNER, UNCACHED
from loadtest import FROM_ARCHAL as FROM_ARCHAL_PATTERN
from loadtest.records import SIZES

SITE = os.environ["LOADTEST_SITE"]
CACHED_SHARE = float(os.environ["LOADTEST_CACHED_SHARE"])
WAIT_LOW, WAIT_HIGH = (float(part) for part in os.environ["LOADTEST_WAIT"].split(","))
SIZE_NAMES = list(SIZES)
SIZE_WEIGHTS = [weight for weight, _, _ in SIZES.values()]

FROM_ARCHAL = re.compile(FROM_ARCHAL_PATTERN)
# The dynos' addresses (http://127.0.0.1:<port>, comma-separated): each reader
# keeps to one, as the platform's router would spread them.
HOSTS = os.environ["LOADTEST_HOSTS"].split(",")

_new_runs = itertools.count(1)
_users = itertools.count(1)

# Every request as it was measured: (kind, start time, milliseconds, error or
# None). Locust's own percentiles round to two digits above 100 ms; these are
# exact, and written only after the last user stopped (the quit event), so
# requests still in flight when the time ran out are counted too.
_samples: list[tuple[str, float, float, str | None]] = []


@events.request.add_listener
def _keep_sample(name, start_time, response_time, exception, **_) -> None:
    _samples.append((name, start_time, response_time, None if exception is None else str(exception)))


@events.quit.add_listener
def _write_samples(**_) -> None:
    with open(os.environ["LOADTEST_SAMPLES"], "w") as output:
        json.dump(_samples, output)


class DashboardReader(FastHttpUser):
    wait_time = between(WAIT_LOW, WAIT_HIGH)
    # A page that is not there in 30 s is an error, not a long wait.
    network_timeout = 30.0
    connection_timeout = 10.0
    max_retries = 0

    def __init__(self, environment) -> None:
        self.number = next(_users)
        self.host = HOSTS[self.number % len(HOSTS)]  # read by FastHttpUser.__init__
        super().__init__(environment)

    def on_start(self) -> None:
        # People don't all click at the same instant: each reader starts at a
        # random point of its first pause, not all 50 in the same second
        # (the burst after the readers is the all-at-once case).
        gevent.sleep(random.uniform(0, WAIT_HIGH))
        number = self.number
        # The router's headers: HTTPS at the edge, and this reader's own address.
        self.router_headers = {
            "Host": SITE,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": f"198.18.{number // 250}.{number % 250 + 1}",
        }

    @task
    def read_a_run(self) -> None:
        size = random.choices(SIZE_NAMES, SIZE_WEIGHTS)[0]
        if random.random() < CACHED_SHARE:
            self.read(f"/runs/hot-{size}/", CACHED)
        else:
            self.read(f"/runs/cold-{size}-{next(_new_runs)}/", UNCACHED)

    def read(self, path: str, kind: str) -> None:
        with self.client.get(path, name=kind, headers=self.router_headers, allow_redirects=False,
                             catch_response=True) as response:
            if response.status_code == 0:  # no HTTP answer at all: refused, reset, timed out
                response.failure(f"connection error: {type(response.error).__name__}: {response.error}")
                return
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return
            body = response.content or b""
            if STALE_BANNER in body:
                response.failure("a stored copy: Archal failed")
            elif kind == CACHED and FROM_RECENT_COPY in body:
                response.success()
            elif kind == CACHED and FROM_ARCHAL.search(body):
                response.request_meta["name"] = EXPIRED  # counted apart, not an error
                response.success()
            elif kind == UNCACHED and FROM_ARCHAL.search(body):
                response.success()
            else:
                response.failure("200, but not the page expected")
