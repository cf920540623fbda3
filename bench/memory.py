"""Peak resident memory of parsing a record, of building its page, or of loading it at once
from several requests, in a fresh process.

`python -m bench.memory BODY_FILE parse|page RUN_ID` prints the bytes the
process's resident set grew by at its peak (Linux), after a warm-up page so
that imports, templates and the database connection are not counted. A fresh
process, because a used one serves new objects from memory it freed before
without growing, which would hide part of the cost.

`python -m bench.memory BODY_FILE loads|distinct RUN_ID [THREADS]` stores the
body as the run's snapshot and has THREADS threads (default 6) call
records.load at once on a cold cache, as that many subtree requests for a
record this process has not parsed would; `distinct` stores it as THREADS
runs, one for each thread (RECORD_PARSES_AT_ONCE bounds those). It prints
how many records were parsed, then the growth.
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import env


def main() -> None:
    path, mode, run_id = sys.argv[1:4]
    env.configure("http://127.0.0.1:9")  # BENCH_WORKDIR: the parent's database, or a new one
    from bench import serverside
    from runs import jsonio, records

    body = Path(path).read_bytes()
    serverside.build_page(f"{run_id}-warm-up", b'{"warm": ["up", 1, null]}')
    records.forget_all()
    if mode == "parse":
        grown = serverside.rss_peak_bytes(lambda: jsonio.parse(body))
    elif mode in ("loads", "distinct"):
        threads = int(sys.argv[4]) if len(sys.argv) > 4 else 6
        run_ids = [f"{run_id}-{number}" for number in range(threads)] if mode == "distinct" else [run_id] * threads
        grown = _concurrent_loads(run_ids, body)
    else:
        grown = serverside.rss_peak_bytes(lambda: serverside.build_page(run_id, body))
    print(grown if grown is not None else "")
    env.remove_workdir()


def _concurrent_loads(run_ids: list[str], body: bytes) -> int | None:
    from django.db import connection

    from bench import serverside
    from runs import records
    from runs.models import Snapshot

    for run_id in set(run_ids):
        Snapshot.objects.store(run_id, body)
    del body  # only the stored copies are read
    threads = len(run_ids)
    start = threading.Barrier(threads)

    def load(number: int) -> records.ParsedRecord | None:
        start.wait()
        try:
            return records.load(run_ids[number])
        finally:
            connection.close()

    loaded: list[records.ParsedRecord | None] = []

    def all_at_once() -> None:
        with ThreadPoolExecutor(threads) as pool:
            loaded.extend(pool.map(load, range(threads)))

    grown = serverside.rss_peak_bytes(all_at_once)
    print(f"records parsed: {len({id(parsed) for parsed in loaded})} for {threads} loads")
    return grown


if __name__ == "__main__":
    main()
