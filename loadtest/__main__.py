"""`make loadtest` / `python -m loadtest`: the dashboard under load, as one table.

What runs, all on 127.0.0.1 and all bounded in time:

- a local Archal (loadtest.upstream) that answers every run after
  --upstream-delay seconds (200 ms), with records of 10 KB to 1 MB;
- gunicorn started by the Procfile's `web:` command exactly as written, by
  dyno.web as tests/test_deploy.py starts it: DEBUG off, SECRET_KEY and ALLOWED_HOSTS
  set, REQUIRE_LOGIN=false, LOOKUPS_PER_MINUTE=0 (the per-address throttle
  would turn the load into 429s), static files collected and the database
  migrated by the Procfile's `release:` first. WEB_CONCURRENCY,
  GUNICORN_THREADS, RUN_CACHE_SECONDS and the like come from the caller's
  environment, so `make loadtest GUNICORN_THREADS=16` tries a setting;
- the database: a fresh SQLite file, or with DATABASE_URL the database it
  names, which must not exist yet: it is created, migrated, and dropped at
  the end (PostgreSQL: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/loadtest_scratch`);
- --dynos N web processes (dynos) started that way on the same database,
  sharing the cache CACHE_URL names (with a key prefix of this run's own):
  2 by default when CACHE_URL is a shared cache (redis://…, dbcache://…),
  else 1; more than one without a shared cache is refused, since each
  process would fetch runs on its own. Readers, warm-up and burst are spread
  over the dynos;
- a warm-up that fetches the hot runs (so they are answered from the recent
  copy) and a few others, in both workers; not measured;
- locust, headless (loadtest/locustfile.py): --users readers for --duration
  seconds, each reading a run and pausing --wait seconds, a --cached-share of
  them hot runs and the rest new runs (one Archal call each);
- then a burst: --burst lookups of distinct runs at once, which must leave
  exactly that many lookup rows;
- with --saturate, then hot run pages at rising fixed rates, by an open-loop
  client (loadtest/saturation.py, loadtest/openloop.py): the highest rate
  held with p95 ≤ 100 ms, and CPU per page by whom.

It prints, per kind of page, requests per second, p50/p95/p99 and errors, and
marks each goal met or missed; then what Archal was asked (and whether any
run was asked again within RUN_CACHE_SECONDS of its last call, across all
dynos, while its snapshot was kept), the lookups recorded, and who used the
CPU (the load generator shares the machine with gunicorn, and so may other
work: the report says when that inflated the latencies).
The exit status is 1 when a request failed, a lookup was lost, the web log
holds a traceback, or processes sharing a cache asked Archal twice for a run
within RUN_CACHE_SECONDS, and 0 otherwise: latency depends on the machine, so a
missed latency goal is reported, not failed.

Options go through LOADTEST_ARGS, e.g. `make loadtest LOADTEST_ARGS="--wait 0,0"`
(no pause: the machine's capacity rather than 50 people reading).

Why locust: a known tool whose users pause like people do, with a gevent HTTP
client cheap enough to share two cores with the server. Its own percentiles
are rounded above 100 ms, so the locustfile keeps every request's exact time
and this module computes the percentiles (nearest rank).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

import dyno
from loadtest import CACHED, EXPIRED, UNCACHED, saturation
from loadtest.records import SIZES
from loadtest.upstream import SlowArchalServer

REPO = Path(__file__).resolve().parent.parent
SITE = "dash.example.com"
TOKEN = "loadtest-token"
# Every lookup is recorded: a row, or one more view of the row of the same person's
# reload of a recent copy within a minute (runs.models.LookupManager.record).
LOOKUP_ROWS = "SELECT count(*) FROM runs_lookup"
LOOKUP_VIEWS = "SELECT coalesce(sum(views), 0) FROM runs_lookup"
ROUTER = {"Host": SITE, "X-Forwarded-Proto": "https", "X-Forwarded-For": "198.18.255.1"}
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}
# django-environ's cache URLs whose keys every process of every dyno sees.
SHARED_CACHES = {"redis", "rediss", "dbcache", "memcache", "pymemcache"}


def _say(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


# --- The database -------------------------------------------------------------


@dataclass
class Database:
    url: str
    label: str

    def count(self, sql: str, *params: object) -> int:
        """One number from the database, read directly (not through the app)."""
        parts = urlsplit(self.url)
        if parts.scheme in POSTGRES_SCHEMES:
            import psycopg

            with psycopg.connect(self.url, connect_timeout=10) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchone()[0]
        with sqlite3.connect(parts.path, timeout=30) as conn:
            return conn.execute(sql, params).fetchone()[0]


@contextmanager
def scratch_database(url: str, workdir: Path) -> Iterator[Database]:
    """A database that did not exist before and is gone afterwards."""
    if not url:
        yield Database(f"sqlite:///{workdir / 'loadtest.sqlite3'}", "SQLite (a new file)")
        return
    parts = urlsplit(url)
    if parts.scheme in POSTGRES_SCHEMES:
        import psycopg
        from psycopg import sql

        name = parts.path.lstrip("/")
        if not name or parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
            sys.exit(f"DATABASE_URL must name a scratch database on this machine, not {parts.hostname}/{name}.")
        maintenance = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as conn:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg.errors.DuplicateDatabase:
                sys.exit(f"Database {name!r} exists already. The load test makes and drops its own: "
                         "name one that does not exist.")
        try:
            yield Database(url, f"PostgreSQL (database {name}, made for this run)")
        finally:
            with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        return
    if parts.scheme == "sqlite":
        path = Path(parts.path)
        if path.exists():
            sys.exit(f"{path} exists already. The load test makes and removes its own: name a new file.")
        try:
            yield Database(url, f"SQLite ({path}, made for this run)")
        finally:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
        return
    sys.exit(f"DATABASE_URL: only sqlite:// and postgres:// are supported here, not {parts.scheme}://.")


# --- The web process ------------------------------------------------------------


def platform_env(database: Database, archal_url: str, workdir: Path, cache_url: str) -> dict[str, str]:
    """What an operator would set on the platform, for this run."""
    return dyno.platform_env(
        database_url=database.url, archal_url=archal_url, archal_token=TOKEN, static_root=workdir / "staticfiles",
        allowed_hosts=SITE, REQUIRE_LOGIN="false", LOOKUPS_PER_MINUTE="0",
        **({"CACHE_URL": cache_url} if cache_url else {}),
    )


def shared_cache_url(url: str) -> str:
    """CACHE_URL with a key prefix of this run's own (unless it names one), as a second
    deployment sharing the Redis would have: no lock or landed fetch of an earlier run is seen."""
    if not url or "key_prefix=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}key_prefix=loadtest-{uuid.uuid4().hex[:12]}"


def check_dynos(dynos: int, cache_url: str) -> str | None:
    """Why `dynos` web processes cannot run as one deployment with these settings, or None."""
    if dynos == 1:
        return None
    if urlsplit(cache_url).scheme not in SHARED_CACHES:
        return (f"--dynos {dynos} needs a cache every dyno shares, or each would fetch runs on its own: set "
                "CACHE_URL=redis://127.0.0.1:6379/<n> (or dbcache://archal_dash_cache), not "
                f"{cache_url or 'the default (local memory, one per process)'}.")
    return None


def gunicorn_cpu(webs: list[dyno.Web]) -> float:
    """CPU time used so far by every dyno's gunicorn master and workers (their process groups)."""
    groups = {web.process.pid for web in webs}  # each started in its own session: its pgrp is its pid
    return process_cpu(lambda _, group: group in groups)


def process_cpu(chosen: Callable[[str, int], bool]) -> float:
    """CPU seconds used so far by the live processes that `chosen(name, process group)` picks (/proc)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            text = stat.read_text()
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 1 :].split()
            if chosen(name, int(fields[2])):
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> float:
    """CPU seconds of the PostgreSQL server's processes (every database's, not only ours)."""
    return process_cpu(lambda name, _: name == "postgres" or name.startswith("postgres:"))


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores (/proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    total = sum(fields)
    idle = fields[3] + fields[4]  # idle, iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (total - idle) / tick, total / tick


def redis_cpu() -> float:
    """CPU seconds of the Redis server (every client's, not only ours)."""
    return process_cpu(lambda name, _: name == "redis-server")


def own_cpu() -> float:
    """CPU seconds of this process so far: the slow Archal's threads, mostly."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- Phases ---------------------------------------------------------------------


def get_page(web: dyno.Web, path: str) -> requests.Response:
    return requests.get(web.url + path, headers=ROUTER, allow_redirects=False, timeout=60)


def warm_up(webs: list[dyno.Web]) -> int:
    """Fetch the hot runs, then read them in every dyno's workers, and a few new runs; return the requests made."""
    made = 0
    for size in SIZES:
        response = get_page(webs[0], f"/runs/hot-{size}/")
        made += 1
        if response.status_code != 200:
            raise SystemExit(f"warm-up: /runs/hot-{size}/ gave {response.status_code}")
    paths = [f"/runs/hot-{size}/" for size in SIZES] * 6 * len(webs) + [f"/runs/cold-10kb-warm{n}/" for n in range(16)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda n: get_page(webs[n % len(webs)], paths[n]).status_code, range(len(paths))))
    made += len(paths)
    if set(statuses) != {200}:
        raise SystemExit(f"warm-up: statuses {sorted(set(statuses))}")
    return made


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    max: float


def run_locust(webs: list[dyno.Web], args: argparse.Namespace,
               workdir: Path) -> tuple[dict[str, Row], Counter, float, float]:
    """Run the readers, spread over the dynos; return rows by page kind, errors by reason, the seconds
    measured and locust's CPU seconds."""
    samples_file = workdir / "samples.json"
    env = {**os.environ, "PYTHONPATH": str(REPO), "LOADTEST_SITE": SITE, "LOADTEST_SAMPLES": str(samples_file),
           "LOADTEST_CACHED_SHARE": str(args.cached_share), "LOADTEST_WAIT": args.wait,
           "LOADTEST_HOSTS": ",".join(web.url for web in webs)}
    command = [
        sys.executable, "-m", "locust", "-f", str(REPO / "loadtest" / "locustfile.py"), "--headless",
        "--users", str(args.users), "--spawn-rate", str(args.users), "--run-time", f"{args.duration}s",
        # Users finish the page they are reading when the time is up, so it is counted.
        "--stop-timeout", "30", "--host", webs[0].url, "--only-summary", "--exit-code-on-error", "0",
        "--loglevel", "WARNING",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with (workdir / "locust.log").open("w") as output:
        result = subprocess.run(command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
                                timeout=args.duration + 120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0 or not samples_file.exists():
        raise SystemExit(f"locust exited with {result.returncode}:\n{(workdir / 'locust.log').read_text()}")
    samples = json.loads(samples_file.read_text())
    if not samples:
        raise SystemExit(f"locust made no request:\n{(workdir / 'locust.log').read_text()}")
    began = min(start for _, start, _, _ in samples)
    ended = max(start + ms / 1000 for _, start, ms, _ in samples)
    seconds = ended - began
    rows = {}
    for name in (CACHED, EXPIRED, UNCACHED, "all"):
        times = sorted(ms for kind, _, ms, _ in samples if name in {kind, "all"})
        if times:
            failures = sum(1 for kind, _, _, error in samples if name in {kind, "all"} and error is not None)
            rows[name] = Row(name, len(times), failures, len(times) / seconds, _percentile(times, 0.50),
                             _percentile(times, 0.95), _percentile(times, 0.99), times[-1])
    errors = Counter(f"{kind}: {error}" for kind, _, _, error in samples if error is not None)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return rows, errors, seconds, cpu


def _percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of an ordered list: `share` of the values are at most this."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def burst(webs: list[dyno.Web], database: Database, count: int) -> tuple[int, int, float]:
    """`count` lookups of distinct new runs at once, spread over the dynos; return (answered 200, lookup
    rows, seconds)."""
    if count <= 0:
        return 0, 0, 0.0
    start = threading.Barrier(count)

    def look(number: int) -> int:
        start.wait(timeout=30)
        try:
            return get_page(webs[number % len(webs)], f"/runs/cold-10kb-burst{number}/").status_code
        except requests.RequestException:
            return 0

    began = time.monotonic()
    with ThreadPoolExecutor(count) as pool:
        statuses = list(pool.map(look, range(count)))
    seconds = time.monotonic() - began
    rows = database.count("SELECT count(*) FROM runs_lookup WHERE run_id LIKE ?", "cold-10kb-burst%")
    return statuses.count(200), rows, seconds


@dataclass
class Repeat:
    run_id: str
    gap: float  # seconds between two calls of the run
    at: float  # when the second one was answered, time.monotonic()
    others: int  # other runs Archal answered in between (each stored a snapshot)


def calls_too_close(times_called: dict[str, list[float]], window: float,
                    kept: int) -> tuple[list[Repeat], list[Repeat], Repeat | None]:
    """Calls of a run within `window` seconds of its last one: (those with its snapshot still kept — a
    second call —, those after `kept` other runs' snapshots were stored since, which trims the run's:
    it had to be asked again), and the closest two calls of a run."""
    calls = sorted((moment, run_id) for run_id, times in times_called.items() for moment in times)
    moments = [moment for moment, _ in calls]

    def others_between(run_id: str, a: float, b: float) -> int:
        return len({other for _, other in calls[bisect.bisect_right(moments, a):bisect.bisect_left(moments, b)]
                    if other != run_id})

    repeats = [Repeat(run_id, b - a, b, 0) for run_id, times in times_called.items()
               for a, b in itertools.pairwise(times)]
    close = [r for r in repeats if r.gap < window]
    for r in close:
        r.others = others_between(r.run_id, r.at - r.gap, r.at)
    return ([r for r in close if r.others < kept], [r for r in close if r.others >= kept],
            min(repeats, key=lambda r: r.gap, default=None))


# --- The report -----------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


@dataclass
class Cpu:
    """CPU seconds used while the readers ran, by whom; `total` is the machine's (all cores)."""

    total: float
    busy: float
    gunicorn: float
    locust: float
    archal: float  # this process: the slow Archal's threads
    postgres: float
    redis: float

    @property
    def others(self) -> float:
        return max(0.0, self.busy - self.gunicorn - self.locust - self.archal - self.postgres - self.redis)


@dataclass
class Measured:
    database: str
    dynos: int
    env: dict[str, str]
    load_average: list[str]
    warm_up_pages: int
    rows: dict[str, Row]
    errors: Counter
    seconds: float
    cpu: Cpu
    archal_calls: Counter  # "hot" / "cold" -> calls while the readers ran
    archal_connections: int  # new connections to Archal while the readers ran
    lookups_recorded: int  # lookups recorded while the readers ran (views: a person's reloads share a row)
    lookups_before: int
    burst_ok: int
    burst_rows: int
    burst_seconds: float
    times_called: dict[str, list[float]]  # run ID -> when Archal answered it, from the warm-up to the end
    phases: dict[str, float]  # phase -> when it began, time.monotonic()
    steps: list[saturation.Step]  # --saturate
    web_log: str


def measure(args: argparse.Namespace, workdir: Path) -> Measured:
    """Start everything, warm up, run the readers, the burst (and the saturation), and return what was measured."""
    load_average = Path("/proc/loadavg").read_text().split()[:3]
    _say("building records and starting the slow Archal")
    archal = SlowArchalServer(TOKEN, args.upstream_delay)
    archal.start_in_thread()
    try:
        with scratch_database(os.environ.get("DATABASE_URL", ""), workdir) as database:
            env = platform_env(database, archal.url, workdir, shared_cache_url(os.environ.get("CACHE_URL", "")))
            _say(f"database: {database.label}; collectstatic and the Procfile's release:")
            dyno.release(env)
            with ExitStack() as dynos:
                webs = [dynos.enter_context(dyno.web(env, workdir / f"web{number}.log", deadline=60))
                        for number in range(1, args.dynos + 1)]
                _say(f"gunicorn up at {', '.join(web.url for web in webs)}; warming up")

                def cpu_now() -> saturation.CpuReading:
                    busy, total = machine_cpu()
                    return {"machine_busy": busy, "machine_total": total, "gunicorn": gunicorn_cpu(webs),
                            "PostgreSQL": postgres_cpu(), "Redis": redis_cpu()}

                phases = {"warm-up": time.monotonic()}
                warm_up_pages = warm_up(webs)
                lookups_before = database.count(LOOKUP_ROWS)
                views_before = database.count(LOOKUP_VIEWS)
                calls_before, connections_before = archal.snapshot()
                cpu_before = (cpu_now(), own_cpu())
                _say(f"{args.users} readers for {args.duration} s (locust)")
                phases["readers"] = time.monotonic()
                rows, errors, seconds, locust_cpu = run_locust(webs, args, workdir)
                cpu_after = (cpu_now(), own_cpu())
                calls_after, connections_after = archal.snapshot()
                views_after = database.count(LOOKUP_VIEWS)
                _say(f"burst: {args.burst} lookups of distinct runs at once")
                phases["burst"] = time.monotonic()
                burst_ok, burst_rows, burst_seconds = burst(webs, database, args.burst)
                steps = []
                if args.saturate:
                    _say(f"saturation: hot run pages from {args.saturate_from}/s up, {args.step_seconds:g} s a step")
                    phases["saturation"] = time.monotonic()
                    steps = saturation.saturate(
                        [web.url for web in webs], ROUTER, cpu_now, first=args.saturate_from,
                        step=args.saturate_step, highest=args.saturate_to, seconds=args.step_seconds,
                    )
            times_called = archal.times_called()
            web_log = "\n".join(web.log.read_text(errors="replace") for web in webs)
    except dyno.DynoError as error:  # the build, the release or a web process failed: its output
        raise SystemExit(str(error)) from None
    finally:
        archal.shutdown()
        archal.server_close()
    used = {who: cpu_after[0][who] - cpu_before[0][who] for who in cpu_before[0]}
    return Measured(
        database=database.label, dynos=args.dynos, env=env, load_average=load_average, warm_up_pages=warm_up_pages,
        rows=rows, errors=errors, seconds=seconds,
        cpu=Cpu(total=used["machine_total"], busy=used["machine_busy"], gunicorn=used["gunicorn"],
                locust=locust_cpu, archal=cpu_after[1] - cpu_before[1], postgres=used["PostgreSQL"],
                redis=used["Redis"]),
        archal_calls=calls_after - calls_before, archal_connections=connections_after - connections_before,
        lookups_recorded=views_after - views_before, lookups_before=lookups_before,
        burst_ok=burst_ok, burst_rows=burst_rows, burst_seconds=burst_seconds, times_called=times_called,
        phases=phases, steps=steps, web_log=web_log,
    )


def report(args: argparse.Namespace, m: Measured) -> tuple[str, bool]:
    """The printed report, and whether anything failed (an error, a lost lookup, a traceback)."""
    pages = sum(row.requests for name, row in m.rows.items() if name != "all")
    kept = int(m.env.get("LOOKUPS_KEPT", "10000"))
    lookups_counted = m.lookups_before + pages <= kept  # beyond that the table is trimmed
    lookups_ok = not lookups_counted or m.lookups_recorded == pages
    burst_ok = m.burst_ok == args.burst and m.burst_rows == args.burst
    problems = {
        "tracebacks": m.web_log.count("Traceback"),
        "worker timeouts": m.web_log.count("WORKER TIMEOUT"),
        "Archal connections discarded (pool full)": m.web_log.count("Connection pool is full"),
    }
    errors = sum(row.failures for name, row in m.rows.items() if name != "all")
    errors += sum(sum(step.errors.values()) for step in m.steps)
    window = float(m.env.get("RUN_CACHE_SECONDS", "30"))
    snapshots_kept = int(m.env.get("SNAPSHOTS_KEPT", "200"))
    too_close, trimmed, closest = calls_too_close(m.times_called, window, snapshots_kept)
    phases = sorted(m.phases.items(), key=lambda item: item[1])
    broken = bool(errors or not lookups_ok or not burst_ok or problems["tracebacks"] or problems["worker timeouts"])
    # Without a shared cache each worker process has its own flights: two workers may both fetch
    # a run whose copy just expired. Shown, but a goal only when the processes share CACHE_URL.
    shared = urlsplit(m.env.get("CACHE_URL", "")).scheme in SHARED_CACHES
    failed = broken or (shared and bool(too_close))

    goals = {CACHED: 50.0, UNCACHED: 2 * args.upstream_delay * 1000}
    met = {name: name in m.rows and m.rows[name].p95 <= goal for name, goal in goals.items()}
    table = []
    for name in (CACHED, EXPIRED, UNCACHED, "all"):
        if (row := m.rows.get(name)) is not None:
            goal = f"≤ {goals[name]:.0f} ms {_mark(met[name])}" if name in goals else ""
            table.append([name, f"{row.requests:,}", f"{row.rps:.1f}", f"{row.p50:.0f}", f"{row.p95:.0f}",
                          f"{row.p99:.0f}", f"{row.max:.0f}", f"{row.failures}", goal])
    cpu = m.cpu
    share = {"gunicorn": cpu.gunicorn, "locust": cpu.locust, "Archal": cpu.archal, "PostgreSQL": cpu.postgres,
             "Redis": cpu.redis, "other processes": cpu.others, "idle": cpu.total - cpu.busy}
    busy_elsewhere = cpu.others / cpu.total > 0.10
    unused = {"PostgreSQL"} if m.database.startswith("SQLite") else set()  # servers this run does not use
    if not urlsplit(m.env.get("CACHE_URL", "")).scheme.startswith("redis"):
        unused.add("Redis")
    low, high = args.wait.split(",")
    env = m.env
    lines = [
        "",
        f"archal-dash load test — {time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}, {os.cpu_count()} CPUs, "
        f"load average before {' '.join(m.load_average)}",
        f"web:      {m.dynos} × the Procfile's web: command ({'dynos' if m.dynos > 1 else 'one dyno'}; gunicorn gthread, "
        f"WEB_CONCURRENCY={env.get('WEB_CONCURRENCY', '2')}, GUNICORN_THREADS={env.get('GUNICORN_THREADS', '8')}), "
        "DEBUG off",
        f"database: {m.database}",
        f"cache:    {_cache_label(env.get('CACHE_URL', ''), m.dynos)}",
        f"Archal:   local, answers after {args.upstream_delay * 1000:.0f} ms; records 10 KB–1 MB "
        f"({', '.join(f'{name} {weight}%' for name, (weight, _, _) in SIZES.items())})",
        f"load:     {args.users} readers (locust), {args.duration} s, a pause of {low}–{high} s between pages; "
        f"{args.cached_share:.0%} hot runs (recent copy, RUN_CACHE_SECONDS={env.get('RUN_CACHE_SECONDS', '30')}), "
        "the rest new runs",
        "",
        _table(["pages", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "goal: p95"], table),
        "",
        *(f"error:    {count} × {reason}" for reason, count in sorted(m.errors.items())),
        f"Archal:   {m.archal_calls['cold']:,} calls for {_count(m, UNCACHED):,} uncached pages; "
        f"{m.archal_calls['hot']} for hot runs ({_count(m, EXPIRED)} pages waited for a hot run's refetch); "
        f"{m.archal_connections} new connections",
        f"          one call per run per RUN_CACHE_SECONDS={window:g} s across {_dynos(m.dynos)}, counted at Archal "
        f"from the warm-up to the end: {sum(map(len, m.times_called.values())):,} calls for {len(m.times_called):,} "
        f"runs, {len(too_close)} calls within {window:g} s of the run's last while its snapshot was kept"
        + (f" (closest two calls of a run: {closest.gap:.1f} s apart)" if closest is not None else "")
        + (f" {_mark(not too_close)}" if shared else " (not a goal: the worker processes share no cache)"),
        *([f"          and {len(trimmed)} after ≥ SNAPSHOTS_KEPT={snapshots_kept} other runs were stored since the "
           f"last (its snapshot trimmed: asked again, as it must be; every {_median_gap(trimmed):.0f} s or so)"]
          if trimmed else []),
        *(f"          {r.run_id} asked again {r.gap:.2f} s after its last call, {_when(r.at, phases)}"
          f" ({r.others} other runs stored between)" for r in too_close[:10]),
        (f"lookups:  {m.lookups_recorded:,} recorded (views) for {pages:,} pages {_mark(lookups_ok)}"
         if lookups_counted
         else f"lookups:  not counted (more than LOOKUPS_KEPT={kept} rows: the table is trimmed)"),
        f"burst:    {args.burst} lookups of distinct runs at once: {m.burst_ok} answered 200, {m.burst_rows} lookup "
        f"rows, in {m.burst_seconds:.1f} s {_mark(burst_ok)}",
        f"CPU:      of the machine's {cpu.total:.0f} CPU-seconds while locust ran: "
        + ", ".join(f"{who} {used / cpu.total:.0%}" for who, used in share.items() if who not in unused)
        + f"; gunicorn {cpu.gunicorn * 1000 / max(pages, 1):.0f} ms of CPU per page, locust "
        f"{cpu.locust * 1000 / max(pages, 1):.1f}",
        *(["          WARNING: other processes kept the machine busy; the latencies above are inflated"]
          if busy_elsewhere else []),
        "web log:  " + ", ".join(f"{count} {what}" for what, count in problems.items()),
        f"warm-up:  {m.warm_up_pages} pages before the readers started (not counted above)",
        *(_saturation_lines(args, m.steps, servers=sorted({"PostgreSQL", "Redis"} - unused)) if args.saturate else []),
        "",
        f"goals:    zero errors {_mark(not broken)}; "
        + (f"one Archal call per run per RUN_CACHE_SECONDS {_mark(not too_close)}; " if shared else "")
        + f"uncached p95 ≤ {goals[UNCACHED]:.0f} ms {_mark(met[UNCACHED])}; "
        f"cached p95 ≤ 50 ms {_mark(met[CACHED])}"
        + (f"; ≥ {saturation.GOAL_RATE:.0f} cached pages/s with p95 ≤ {saturation.GOAL_P95_MS:.0f} ms "
           f"{_mark(_saturation_met(m.steps))}" if args.saturate else ""),
    ]
    return "\n".join(lines), failed


def _median_gap(repeats: list[Repeat]) -> float:
    return sorted(r.gap for r in repeats)[len(repeats) // 2]


def _when(moment: float, phases: list[tuple[str, float]]) -> str:
    """`moment` (time.monotonic()) as seconds into the phase it fell in."""
    name, began = next(((name, began) for name, began in reversed(phases) if began <= moment), phases[0])
    return f"{moment - began:.1f} s into the {name}"


def _dynos(count: int) -> str:
    return "the dyno" if count == 1 else f"the {count} dynos"


def _cache_label(url: str, dynos: int) -> str:
    """CACHE_URL without a password, and who shares it."""
    if not url:
        return "local memory (the default: one per process)"
    parts = urlsplit(url)
    where = parts.hostname or ""
    if parts.port:
        where += f":{parts.port}"
    shown = urlunsplit(parts._replace(netloc=where))
    return f"CACHE_URL={shown}, shared by every process of {_dynos(dynos)}"


def _saturation_met(steps: list[saturation.Step]) -> bool:
    best = saturation.highest_held(steps)
    return best is not None and best.offered >= saturation.GOAL_RATE


def _saturation_lines(args: argparse.Namespace, steps: list[saturation.Step], servers: list[str]) -> list[str]:
    """The saturation's table: one row per step offered, and the highest rate held; `servers`: the database
    and cache servers this run uses (their CPU is every client's, not only ours)."""
    rows = []
    for step in steps:
        total = step.cpu["machine_total"] or 1.0
        others = step.cpu["machine_busy"] - sum(step.cpu[who] for who in ("gunicorn", "client", *servers))
        rows.append([
            f"{step.offered:.0f}", f"{step.achieved:.0f}", f"{step.answered:,}", f"{step.expired}",
            f"{step.p50:.0f}", f"{step.p95:.0f}", f"{step.p99:.0f}", f"{sum(step.errors.values())}",
            f"{step.ms_per_page('gunicorn'):.1f}", f"{step.ms_per_page('client'):.1f}",
            *([f"{sum(step.cpu[who] for who in servers) * 1000 / max(step.answered, 1):.1f}"] if servers else []),
            f"{step.cpu['machine_busy'] / total:.0%}", f"{max(0.0, others) / total:.0%}",
            "held" if step.held else "not held",
        ])
    best = saturation.highest_held(steps)
    errors = Counter[str]()
    for step in steps:
        errors.update(step.errors)
    return [
        "",
        f"saturation: hot run pages (the sizes above) offered at a fixed rate by an open-loop client "
        f"(loadtest/openloop.py), {args.step_seconds:g} s a step, round-robin over {_dynos(args.dynos)}; held = "
        f"every page right, ≥ {saturation.KEEP_UP:.0%} of the rate answered, recent-copy p95 ≤ "
        f"{saturation.GOAL_P95_MS:.0f} ms",
        "",
        _table(["offered/s", "answered/s", "pages", "expired", "p50 ms", "p95 ms", "p99 ms", "errors",
                "gunicorn CPU ms/page", "client CPU ms/page", *([f"{'+'.join(servers)} ms/page"] if servers else []),
                "machine busy", "others", ""],
               rows) if rows else "(no step ran)",
        "",
        *(f"error:    {count} × {reason}" for reason, count in sorted(errors.items())),
        (f"highest:  {best.offered:.0f} cached pages/s held (p95 {best.p95:.0f} ms), gunicorn "
         f"{best.ms_per_page('gunicorn'):.1f} ms of CPU per page; the client, on the same 2 cores, "
         f"{best.ms_per_page('client'):.1f} ms per page" if best else "highest:  no step held"),
        "          (expired: pages of a hot run whose recent copy had just expired, answered after Archal's "
        f"{args.upstream_delay * 1000:.0f} ms; not in the percentiles)",
    ]


def _count(m: Measured, name: str) -> int:
    return m.rows[name].requests if name in m.rows else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent readers (default 50)")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--wait", default="0.5,1.5",
                        help="each reader's pause between pages, LOW,HIGH seconds (default 0.5,1.5; 0,0: none)")
    parser.add_argument("--cached-share", type=float, default=0.7, help="share of pages that are hot runs (default 0.7)")
    parser.add_argument("--upstream-delay", type=float, default=0.2, help="Archal's answer time, s (default 0.2)")
    parser.add_argument("--burst", type=int, default=200, help="concurrent lookups of distinct runs (default 200)")
    cache_url = os.environ.get("CACHE_URL", "")
    shared = urlsplit(cache_url).scheme in SHARED_CACHES
    parser.add_argument("--dynos", type=int, default=2 if shared else 1,
                        help="web processes started as the Procfile says, sharing the database and CACHE_URL "
                             "(default 2 when CACHE_URL is shared, e.g. redis://…, else 1)")
    parser.add_argument("--saturate", action="store_true",
                        help="then offer hot run pages at rising rates: the highest held with p95 ≤ 100 ms")
    parser.add_argument("--saturate-from", type=int, default=50, help="first rate offered, pages/s (default 50)")
    parser.add_argument("--saturate-step", type=int, default=50, help="rate added each step, pages/s (default 50)")
    parser.add_argument("--saturate-to", type=int, default=500, help="highest rate offered, pages/s (default 500)")
    parser.add_argument("--step-seconds", type=float, default=10, help="seconds of each step (default 10)")
    parser.add_argument("--keep", action="store_true", help="keep the logs (web*.log, locust.log, samples.json)")
    args = parser.parse_args()
    if not (0 < args.users <= 1000 and 0 < args.duration <= 900 and 0 <= args.burst <= 1000):
        parser.error("keep it bounded: 1 to 1000 users, 1 to 900 s, a burst of at most 1000")
    if not (1 <= args.dynos <= 4):
        parser.error("--dynos: 1 to 4 (the machine has 2 cores)")
    if (why := check_dynos(args.dynos, cache_url)) is not None:
        parser.error(why)
    if not (0 < args.saturate_from <= args.saturate_to <= 2000 and 0 < args.saturate_step
            and 1 <= args.step_seconds <= 60):
        parser.error("keep the saturation bounded: rates of 1 to 2000 pages/s, steps of 1 to 60 s")
    low, _, high = args.wait.partition(",")
    try:
        if not 0 <= float(low) <= float(high) <= 60:
            raise ValueError
    except ValueError:
        parser.error("--wait is LOW,HIGH in seconds, 0 <= LOW <= HIGH <= 60")

    workdir = Path(tempfile.mkdtemp(prefix="archal-loadtest-"))
    failed = True  # until the report says otherwise: keep the logs of a run that broke
    try:
        text, failed = report(args, measure(args, workdir))
    finally:
        if failed or args.keep:
            print(f"\nLogs kept in {workdir} (web*.log, locust.log, samples.json).", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(text, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
