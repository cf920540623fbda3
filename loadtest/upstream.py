"""A local Archal that answers every run after a fixed delay, and counts its calls.

It is the sample API (real HTTP, the bearer token checked, keep-alive) with a
handler that sleeps `delay` seconds before answering, as a distant Archal
would, and serves any load-test run ID (`hot-<size>`, `cold-<size>-<n>`)
with a record of that size (loadtest.records). It keeps when each run was
asked for, so the load test can check that all the dynos together made one
call per run per RUN_CACHE_SECONDS.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from loadtest.records import RUN_ID_MARK, bodies, size_of
from sample_api.server import ArchalHandler, SampleArchalServer


class SlowArchalHandler(ArchalHandler):
    server: SlowArchalServer

    def respond_to_run(self, run_id: str) -> None:
        time.sleep(self.server.delay)
        size = size_of(run_id)
        self.server.count(run_id)
        if size is None:
            self.send_error_envelope(404, "run_not_found", f"Run {run_id} was not found.")
            return
        self.send_body(200, self.server.bodies[size].replace(RUN_ID_MARK.encode(), run_id.encode()))


class SlowArchalServer(SampleArchalServer):
    # Every connection of both workers' pools at once, and the burst's.
    request_queue_size = 512

    def __init__(self, token: str, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), {}, token, handler=SlowArchalHandler)
        self.delay = delay
        self.bodies = bodies()
        self.calls: Counter[str] = Counter()  # "hot" / "cold" -> calls
        self.call_times: dict[str, list[float]] = {}  # run ID -> time.monotonic() of each call
        self.connections = 0
        self._lock = threading.Lock()

    def count(self, run_id: str) -> None:
        with self._lock:
            self.calls[run_id.split("-")[0]] += 1
            self.call_times.setdefault(run_id, []).append(time.monotonic())

    def process_request(self, request, client_address) -> None:  # one per TCP connection
        with self._lock:
            self.connections += 1
        super().process_request(request, client_address)

    def snapshot(self) -> tuple[Counter[str], int]:
        with self._lock:
            return Counter(self.calls), self.connections

    def times_called(self) -> dict[str, list[float]]:
        """Run ID -> when each of its calls was answered (time.monotonic()), in order."""
        with self._lock:
            return {run_id: list(times) for run_id, times in self.call_times.items()}
