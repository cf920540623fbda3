"""`python -m bench.storage [--repeat N]`: how snapshots are stored, measured.

Two tables. Codecs: each candidate's ratio, compression and decompression
time on bench's synthetic records and the sample API's largest run. Database:
the synthetic records (10 KB to 50 MB) and every sample run stored as before
(the bytes as sent) and as now (runs.models.encode_body), the snapshot
table's size on disk, and the time to read the 50 MB record back and parse it
(records.load in a process that has not seen it). DATABASE_URL chooses the
database (default: a new SQLite file); give it an empty database, its
snapshots are deleted.

A benchmark, not a test: it prints what it measured.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import zstandard

from bench.records import synthetic_bodies

Codec = tuple[str, Callable[[bytes], bytes], Callable[[bytes], bytes]]
CODECS: list[Codec] = [
    ("gzip 1", lambda b: gzip.compress(b, 1, mtime=0), gzip.decompress),
    ("gzip 6", lambda b: gzip.compress(b, 6, mtime=0), gzip.decompress),
    ("zlib 6", lambda b: zlib.compress(b, 6), zlib.decompress),
    *[(f"zstd {level}", lambda b, level=level: zstandard.compress(b, level), zstandard.decompress)
      for level in (1, 3, 9)],
]


def _range(times: list[float]) -> str:
    low, high = min(times) * 1000, max(times) * 1000
    return f"{low:,.0f}" if round(low) == round(high) else f"{low:,.0f}–{high:,.0f}"


def _timed(function: Callable[[], object], repeat: int) -> tuple[object, list[float]]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return result, times


def codecs_table(bodies: dict[str, bytes], repeat: int) -> None:
    print("| record | codec | ratio | compress ms | decompress ms |")
    print("|---|---|---|---|---|")
    for label, body in bodies.items():
        for name, compress, decompress in CODECS:
            packed, compress_times = _timed(lambda: compress(body), repeat)  # noqa: B023
            assert isinstance(packed, bytes)
            out, decompress_times = _timed(lambda: decompress(packed), repeat)  # noqa: B023
            assert out == body
            print(f"| {label} | {name} | {len(body) / len(packed):.1f} | {_range(compress_times)} "
                  f"| {_range(decompress_times)} |", flush=True)


def _table_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM FULL runs_snapshot")
            cursor.execute("SELECT pg_total_relation_size('runs_snapshot')")
            return int(cursor.fetchone()[0])
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE '%snapshot%'")
        return int(cursor.fetchone()[0])


def database_table(bodies: dict[str, bytes], repeat: int) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from runs import records
    from runs.models import Snapshot

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; {len(bodies)} records, {sum(map(len, bodies.values())):,} bytes")
    largest = max(bodies, key=lambda label: len(bodies[label]))

    def as_sent(run_id: str, body: bytes) -> None:  # as Snapshot rows were stored before
        Snapshot.objects.create(run_id=run_id, body=body, sha256=hashlib.sha256(body).hexdigest(),
                                size_bytes=len(body), fetched_at=timezone.now())

    ways = {"as sent": as_sent, "zstd 3": Snapshot.objects.store}
    sizes, store_times = {}, {}
    for name, store in ways.items():
        Snapshot.objects.all().delete()
        for label, body in bodies.items():
            store(label, body)

        def store_largest() -> None:
            Snapshot.objects.filter(run_id=largest).delete()
            store(largest, bodies[largest])  # noqa: B023

        store_times[name] = _timed(store_largest, repeat)[1]
        sizes[name] = _table_bytes()

    # Reading back: both kinds of row side by side, read in turns, so that a busy
    # machine's slow moments fall on both alike.
    Snapshot.objects.all().delete()
    for name, store in ways.items():
        store(name, bodies[largest])
    load_times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(repeat):
        for name in ways:
            records.forget_all()
            started = time.perf_counter()
            assert records.load(name) is not None
            load_times[name].append(time.perf_counter() - started)
    records.forget_all()
    Snapshot.objects.all().delete()
    print(f"| stored | snapshot table bytes | store ms, {largest} | read + parse ms, {largest} (records.load, cold) |")
    print("|---|---|---|---|")
    for name in ways:
        print(f"| {name} | {sizes[name]:,} | {_range(store_times[name])} | {_range(load_times[name])} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-codecs", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archal_dash.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ["SEARCH_INDEX_IN_BACKGROUND"] = "false"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tempfile.mkdtemp()) / 'storage.sqlite3'}")
    import django

    django.setup()
    from sample_api.records import encoded_records

    samples = encoded_records()
    synthetic = synthetic_bodies()
    biggest_sample = max(samples, key=lambda run_id: len(samples[run_id]))
    if not args.skip_codecs:
        codecs_table({**{k: v for k, v in synthetic.items() if k != "10KB"},
                      f"sample {biggest_sample}": samples[biggest_sample]}, args.repeat)
        print()
    database_table({**synthetic, **samples}, args.repeat)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
