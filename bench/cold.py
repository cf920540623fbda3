"""`python -m bench.cold [--repeat N]`: a cold web process's first subtree and first search.

Stores bench's 50 MB record twice in a database: once as every snapshot was
stored before (no outline), once with its outline and search index
(runs.cold.keep, as the process that fetched it does in the background).
Then, for each, starts fresh processes (one per request, as a worker that has
never seen the record) that ask for a step of the trace
(`tree?at=<trace>.<step>&fragment=1`), a node's path (`locate`), a step's
JSON (`raw?at=`) or a first search (`search?q=`), and prints how long each
took, through Django's test client (middleware, view, JSON or HTML). Also
the time to make and store the outline and index, and the database's size
without and with them. DATABASE_URL chooses the database (default: a new
SQLite file); give it an empty database.

A benchmark, not a test: it prints what it measured.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN_BEFORE = "run_cold_without_outline"
RUN_AFTER = "run_cold_with_outline"
STEP = 31_337  # a step deep in the trace
QUERY = "secondary rate limit"
REQUESTS = {
    "subtree": "/runs/{run}/tree?at={trace}.{step}&fragment=1",
    "locate": "/runs/{run}/locate?at={trace}.{step}.2",
    "raw?at=": "/runs/{run}/raw?at={trace}.{step}",
    "first search": "/runs/{run}/search?q=" + QUERY.replace(" ", "+"),
}


def _setup(database_url: str) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "archal_dash.settings", "DEBUG": "true", "REQUIRE_LOGIN": "false",
        "ALLOWED_HOSTS": "testserver", "DATABASE_URL": database_url,
    })
    import django

    django.setup()


def _table_bytes(like: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            table = {"snapshot": "runs_snapshot", "outline": "runs_snapshotoutline"}[like]
            cursor.execute(f"VACUUM FULL {table}")
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            return int(cursor.fetchone()[0])
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pattern = "%snapshotoutline%" if like == "outline" else "%snapshot%"
        cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE %s AND name NOT LIKE %s",
                       [pattern, "%snapshotoutline%" if like == "snapshot" else "-"])
        return int(cursor.fetchone()[0] or 0)


def prepare(database_url: str) -> int:
    """Store the record under both run IDs, the outline for one; print what it cost. Returns
    the position of the trace among the record's keys."""
    _setup(database_url)
    from django.core.management import call_command

    from bench.records import synthetic_bodies
    from runs import cold, jsonio
    from runs.models import Snapshot, SnapshotOutline
    from runs.outline import outline_of
    from runs.records import ParsedRecord

    call_command("migrate", verbosity=0)
    Snapshot.objects.all().delete()
    body = synthetic_bodies({"50MB": 50_000_000})["50MB"]
    for run_id in (RUN_BEFORE, RUN_AFTER):
        stored = Snapshot.objects.store(run_id, body)
    snapshot_bytes = _table_bytes("snapshot")
    record = jsonio.parse(body)
    assert isinstance(record, dict)
    parsed = ParsedRecord(run_id=RUN_AFTER, record=record, **stored)
    started = time.perf_counter()
    parsed.search_index()
    indexed = time.perf_counter()
    outline_of(body, record)
    outlined = time.perf_counter()
    assert cold.keep(parsed)
    kept = time.perf_counter()
    row = SnapshotOutline.objects.get()
    print(f"record: {len(body):,} bytes, {len(record['trace']):,} steps; database: {database_url.split(':')[0]}")
    print(f"index build {1000 * (indexed - started):,.0f} ms (as today, in the background); outline "
          f"{1000 * (outlined - indexed):,.0f} ms; keep (outline again + pack + store) "
          f"{1000 * (kept - outlined):,.0f} ms")
    print(f"stored: outline {len(row.outline):,} bytes, search index {len(row.search_index):,} bytes")
    print(f"database: snapshot table {snapshot_bytes // 2:,} bytes per 50 MB record (2 stored); "
          f"outline table {_table_bytes('outline'):,} bytes for one")
    return list(record).index("trace")


def child(run_id: str, name: str, trace: int) -> None:
    """One request in this fresh process, after one unrelated request (imports, URLconf)."""
    from django.test import Client

    client = Client()
    assert client.get("/healthz").status_code == 200
    url = REQUESTS[name].format(run=run_id, trace=trace, step=STEP)
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    answer = hashlib.sha256(response.content.replace(run_id.encode(), b"RUN")).hexdigest()[:16]
    print(f"{elapsed * 1000:.1f} {answer}")


def measure(database_url: str, trace: int, repeat: int) -> None:
    print()
    print("| request, fresh process | before: full parse, ms | after: outline / stored index, ms | same answer |")
    print("|---|---|---|---|")
    for name in REQUESTS:
        times: dict[str, list[float]] = {RUN_BEFORE: [], RUN_AFTER: []}
        answers: dict[str, set[str]] = {RUN_BEFORE: set(), RUN_AFTER: set()}
        for _ in range(repeat):
            for run_id in (RUN_BEFORE, RUN_AFTER):  # in turns: a busy moment falls on both
                out = subprocess.run(
                    [sys.executable, "-m", "bench.cold", "--child", run_id, name, str(trace)],
                    env={**os.environ, "DATABASE_URL": database_url}, capture_output=True, text=True, check=True,
                ).stdout.split()
                times[run_id].append(float(out[0]))
                answers[run_id].add(out[1])
        same = "yes" if len(answers[RUN_BEFORE] | answers[RUN_AFTER]) == 1 else "no"
        print(f"| {name} | {_range(times[RUN_BEFORE])} | {_range(times[RUN_AFTER])} | {same} |", flush=True)


def _range(times: list[float]) -> str:
    return f"{min(times):,.0f}–{max(times):,.0f} (median {statistics.median(times):,.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(tempfile.mkdtemp()) / 'cold.sqlite3'}"
    if args.child:
        _setup(database_url)
        run_id, name, trace = args.child
        child(run_id, name, int(trace))
        return
    trace = prepare(database_url)
    measure(database_url, trace, args.repeat)


if __name__ == "__main__":
    main()
