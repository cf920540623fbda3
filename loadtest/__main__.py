"""`make loadtest` / `python -m loadtest`: the dashboard under load, as one table.

What runs, all on 127.0.0.1 and all bounded in time:

- a local Archal (loadtest.upstream) that answers every run after
  --upstream-delay seconds (200 ms), with records of 10 KB to 1 MB;
- gunicorn started by the Procfile's `web:` command exactly as written, as
  tests/test_deploy.py starts it: DEBUG off, SECRET_KEY and ALLOWED_HOSTS
  set, REQUIRE_LOGIN=false, LOOKUPS_PER_MINUTE=0 (the per-address throttle
  would turn the load into 429s), static files collected and the database
  migrated by the Procfile's `release:` first. WEB_CONCURRENCY,
  GUNICORN_THREADS, RUN_CACHE_SECONDS and the like come from the caller's
  environment, so `make loadtest GUNICORN_THREADS=16` tries a setting;
- the database: a fresh SQLite file, or with DATABASE_URL the database it
  names, which must not exist yet: it is created, migrated, and dropped at
  the end (PostgreSQL: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/loadtest_scratch`);
- a warm-up that fetches the hot runs (so they are answered from the recent
  copy) and a few others, in both workers; not measured;
- locust, headless (loadtest/locustfile.py): --users readers for --duration
  seconds, each reading a run and pausing --wait seconds, a --cached-share of
  them hot runs and the rest new runs (one Archal call each);
- then a burst: --burst lookups of distinct runs at once, which must leave
  exactly that many lookup rows.

It prints, per kind of page, requests per second, p50/p95/p99 and errors, and
marks each goal met or missed. The exit status is 1 when a request failed or
a lookup was lost, and 0 otherwise: latency depends on the machine, so a
missed latency goal is reported, not failed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from loadtest import CACHED, EXPIRED, UNCACHED
from loadtest.records import SIZES
from loadtest.upstream import SlowArchalServer

REPO = Path(__file__).resolve().parent.parent
SITE = "dash.example.com"
TOKEN = "loadtest-token"
ROUTER = {"Host": SITE, "X-Forwarded-Proto": "https", "X-Forwarded-For": "198.18.255.1"}
# Set here, whatever the caller's environment says (as in tests/test_deploy.py).
OWN = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REQUIRE_LOGIN",
       "STATIC_ROOT", "PORT", "LOOKUPS_PER_MINUTE", "CSRF_TRUSTED_ORIGINS", "TRUSTED_PROXIES"}
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}


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


def procfile_command(process_type: str) -> str:
    """Return the command of one process type of the Procfile, exactly as written."""
    for line in (REPO / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process_type:
            return command.strip()
    raise SystemExit(f"no {process_type}: line in the Procfile")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def platform_env(database: Database, archal_url: str, workdir: Path) -> dict[str, str]:
    """What an operator would set on the platform, for this run."""
    env = {key: value for key, value in os.environ.items()
           if key not in OWN and not key.startswith(("ARCHAL_", "LOADTEST_"))}
    # Like an activated virtualenv: `gunicorn` and `python` are this venv's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=SITE,
        DATABASE_URL=database.url,
        ARCHAL_API_URL=archal_url,
        ARCHAL_TOKEN=TOKEN,
        REQUIRE_LOGIN="false",
        LOOKUPS_PER_MINUTE="0",
        STATIC_ROOT=str(workdir / "staticfiles"),
    )
    return env


def run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"{command} failed:\n{result.stdout}\n{result.stderr}")


@dataclass
class Web:
    url: str
    process: subprocess.Popen
    log: Path

    def cpu_seconds(self) -> float:
        """CPU time used so far by gunicorn's master and workers (its process group)."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with suppress(OSError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.process.pid:  # pgrp: start_new_session made it the pid
                    ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def web_process(env: dict[str, str], workdir: Path) -> Iterator[Web]:
    """The Procfile's web: command, exactly as written, on a free port; stopped as a platform would."""
    port = free_port()
    log = workdir / "web.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["bash", "-c", procfile_command("web")], cwd=REPO, env={**env, "PORT": str(port)},
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    web = Web(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the web process exited:\n{log.read_text()}")
            if time.monotonic() > deadline:
                raise SystemExit(f"no answer on /healthz in 60 s:\n{log.read_text()}")
            with suppress(requests.ConnectionError):
                if requests.get(f"{web.url}/healthz", headers={"Host": SITE}, timeout=5).status_code == 200:
                    break
            time.sleep(0.2)
        yield web
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the platform's stop: graceful, then KILL
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores (/proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    total = sum(fields)
    idle = fields[3] + fields[4]  # idle, iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (total - idle) / tick, total / tick


def own_cpu() -> float:
    """CPU seconds of this process so far: the slow Archal's threads, mostly."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- Phases ---------------------------------------------------------------------


def get_page(web: Web, path: str) -> requests.Response:
    return requests.get(web.url + path, headers=ROUTER, allow_redirects=False, timeout=60)


def warm_up(web: Web) -> int:
    """Fetch the hot runs, then read them in both workers, and a few new runs; return the requests made."""
    made = 0
    for size in SIZES:
        response = get_page(web, f"/runs/hot-{size}/")
        made += 1
        if response.status_code != 200:
            raise SystemExit(f"warm-up: /runs/hot-{size}/ gave {response.status_code}")
    paths = [f"/runs/hot-{size}/" for size in SIZES] * 6 + [f"/runs/cold-10kb-warm{n}/" for n in range(16)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda path: get_page(web, path).status_code, paths))
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


def run_locust(web: Web, args: argparse.Namespace, workdir: Path) -> tuple[dict[str, Row], Counter, float, float]:
    """Run the readers; return rows by page kind, errors by reason, the seconds measured and locust's CPU seconds."""
    samples_file = workdir / "samples.json"
    env = {**os.environ, "PYTHONPATH": str(REPO), "LOADTEST_SITE": SITE, "LOADTEST_SAMPLES": str(samples_file),
           "LOADTEST_CACHED_SHARE": str(args.cached_share), "LOADTEST_WAIT": args.wait}
    command = [
        sys.executable, "-m", "locust", "-f", str(REPO / "loadtest" / "locustfile.py"), "--headless",
        "--users", str(args.users), "--spawn-rate", str(args.users), "--run-time", f"{args.duration}s",
        # Users finish the page they are reading when the time is up, so it is counted.
        "--stop-timeout", "30", "--host", web.url, "--only-summary", "--exit-code-on-error", "0",
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


def burst(web: Web, database: Database, count: int) -> tuple[int, int, float]:
    """`count` lookups of distinct new runs at once; return (answered 200, lookup rows, seconds)."""
    if count <= 0:
        return 0, 0, 0.0
    start = threading.Barrier(count)

    def look(number: int) -> int:
        start.wait(timeout=30)
        try:
            return get_page(web, f"/runs/cold-10kb-burst{number}/").status_code
        except requests.RequestException:
            return 0

    began = time.monotonic()
    with ThreadPoolExecutor(count) as pool:
        statuses = list(pool.map(look, range(count)))
    seconds = time.monotonic() - began
    rows = database.count("SELECT count(*) FROM runs_lookup WHERE run_id LIKE ?", "cold-10kb-burst%")
    return statuses.count(200), rows, seconds


# --- The report -----------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOADTEST_USERS", 50)))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("LOADTEST_DURATION", 60)),
                        help="seconds of load (default 60)")
    parser.add_argument("--wait", default=os.environ.get("LOADTEST_WAIT", "0.5,1.5"),
                        help="each reader's pause between pages, LOW,HIGH seconds (default 0.5,1.5; 0,0: none)")
    parser.add_argument("--cached-share", type=float, default=float(os.environ.get("LOADTEST_CACHED_SHARE", 0.7)),
                        help="share of pages that are hot runs (default 0.7)")
    parser.add_argument("--upstream-delay", type=float, default=0.2, help="Archal's answer time, s (default 0.2)")
    parser.add_argument("--burst", type=int, default=200, help="concurrent lookups of distinct runs (default 200)")
    parser.add_argument("--keep", action="store_true", help="keep the logs (web.log, locust.log, samples.json)")
    args = parser.parse_args()
    if args.users > 1000 or args.duration > 900 or args.burst > 1000:
        parser.error("keep it bounded: at most 1000 users, 900 s and a burst of 1000")

    workdir = Path(tempfile.mkdtemp(prefix="archal-loadtest-"))
    failed = True  # until the run says otherwise: keep the logs of a run that broke
    try:
        report, failed = _run(args, workdir)
    finally:
        if failed or args.keep:
            print(f"\nLogs kept in {workdir} (web.log, locust.log, samples.json).", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(report, flush=True)
    return 1 if failed else 0


def _run(args: argparse.Namespace, workdir: Path) -> tuple[str, bool]:
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    _say("building records and starting the slow Archal")
    archal = SlowArchalServer(TOKEN, args.upstream_delay)
    archal.start_in_thread()
    try:
        with scratch_database(os.environ.get("DATABASE_URL", ""), workdir) as database:
            env = platform_env(database, archal.url, workdir)
            _say(f"database: {database.label}; collectstatic and the Procfile's release:")
            run(["python", "manage.py", "collectstatic", "--noinput"], env)
            run(["bash", "-c", procfile_command("release")], env)
            with web_process(env, workdir) as web:
                _say(f"gunicorn up at {web.url}; warming up")
                warm = warm_up(web)
                lookups_before = database.count("SELECT count(*) FROM runs_lookup")
                calls_before, connections_before = archal.snapshot()
                cpu_before, own_before, machine_before = web.cpu_seconds(), own_cpu(), machine_cpu()
                _say(f"{args.users} readers for {args.duration} s (locust)")
                rows, failures, elapsed, locust_cpu = run_locust(web, args, workdir)
                web_cpu, archal_cpu = web.cpu_seconds() - cpu_before, own_cpu() - own_before
                machine_after = machine_cpu()
                machine_busy = machine_after[0] - machine_before[0]
                machine_total = machine_after[1] - machine_before[1]
                calls_after, connections_after = archal.snapshot()
                lookups_after = database.count("SELECT count(*) FROM runs_lookup")
                _say(f"burst: {args.burst} lookups of distinct runs at once")
                burst_ok, burst_rows, burst_seconds = burst(web, database, args.burst)
            log = web.log.read_text(errors="replace")
    finally:
        archal.shutdown()
        archal.server_close()

    made = sum(row.requests for name, row in rows.items() if name != "all")
    kept = int(env.get("LOOKUPS_KEPT", "10000"))
    recorded = lookups_after - lookups_before
    lookups_checked = lookups_before + made <= kept
    lookups_ok = recorded == made if lookups_checked else True
    log_problems = {
        "tracebacks": log.count("Traceback"),
        "worker timeouts": log.count("WORKER TIMEOUT"),
        "pool full, connection discarded": log.count("Connection pool is full"),
    }
    errors = sum(row.failures for name, row in rows.items() if name != "all")
    failed = bool(errors or not lookups_ok or burst_ok != args.burst or burst_rows != args.burst
                  or log_problems["tracebacks"] or log_problems["worker timeouts"])

    goals = {CACHED: 50.0, UNCACHED: 2 * args.upstream_delay * 1000}
    table_rows = []
    for name in (CACHED, EXPIRED, UNCACHED, "all"):
        row = rows.get(name)
        if row is None:
            continue
        goal = goals.get(name)
        table_rows.append([
            name, f"{row.requests:,}", f"{row.rps:.1f}", f"{row.p50:.0f}", f"{row.p95:.0f}", f"{row.p99:.0f}",
            f"{row.max:.0f}", f"{row.failures}",
            f"≤ {goal:.0f} ms {_mark(row.p95 <= goal)}" if goal is not None else "",
        ])
    others = max(0.0, machine_busy - web_cpu - locust_cpu - archal_cpu)
    workers = env.get("WEB_CONCURRENCY", "2")
    threads = env.get("GUNICORN_THREADS", "8")
    low, high = args.wait.split(",")
    calls = calls_after - calls_before
    lines = [
        "",
        f"archal-dash load test — {time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}, "
        f"{os.cpu_count()} CPUs, load average before {' '.join(load_before)}",
        f"web:      the Procfile's web: command (gunicorn gthread, WEB_CONCURRENCY={workers}, "
        f"GUNICORN_THREADS={threads}), DEBUG off",
        f"database: {database.label}",
        f"Archal:   local, answers after {args.upstream_delay * 1000:.0f} ms; records 10 KB–1 MB "
        f"({', '.join(f'{name} {weight}%' for name, (weight, _, _) in SIZES.items())})",
        f"load:     {args.users} readers (locust), {args.duration} s, a pause of {low}–{high} s between pages; "
        f"{args.cached_share:.0%} hot runs (recent copy, RUN_CACHE_SECONDS="
        f"{env.get('RUN_CACHE_SECONDS', '30')}), the rest new runs",
        "",
        _table(["pages", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "goal: p95"],
               table_rows),
        "",
    ]
    for reason, count in sorted(failures.items()):
        lines.append(f"error:    {count} × {reason}")
    cold_pages = rows[UNCACHED].requests if UNCACHED in rows else 0
    expired_pages = rows[EXPIRED].requests if EXPIRED in rows else 0
    lines += [
        f"Archal:   {calls['cold']:,} calls for {cold_pages:,} uncached pages; {calls['hot']} for hot runs "
        f"({expired_pages} pages waited for a hot run's refetch); "
        f"{connections_after - connections_before} new connections",
        (f"lookups:  {recorded:,} rows for {made:,} pages {_mark(lookups_ok)}" if lookups_checked
         else f"lookups:  not counted (more than LOOKUPS_KEPT={kept} rows: the table is trimmed)"),
        f"burst:    {args.burst} lookups of distinct runs at once: {burst_ok} answered 200, "
        f"{burst_rows} lookup rows, in {burst_seconds:.1f} s "
        f"{_mark(burst_ok == args.burst and burst_rows == args.burst)}",
        f"CPU:      of the machine's {machine_total:.0f} CPU-seconds during the load: gunicorn "
        f"{web_cpu / machine_total:.0%}, locust {locust_cpu / machine_total:.0%}, Archal {archal_cpu / machine_total:.0%}, "
        f"other processes {others / machine_total:.0%}, idle {1 - machine_busy / machine_total:.0%}; "
        f"gunicorn {web_cpu * 1000 / max(made, 1):.0f} ms of CPU per page"
        + ("  (WARNING: the machine was busy with other work; latencies are inflated)"
           if others / machine_total > 0.10 else ""),
        "web log:  " + ", ".join(f"{count} {what}" for what, count in log_problems.items()),
        f"warm-up:  {warm} pages before the measured run (not counted above)",
        "",
        f"goals:    zero errors {_mark(not failed)}; uncached p95 ≤ {goals[UNCACHED]:.0f} ms "
        f"{_mark(UNCACHED in rows and rows[UNCACHED].p95 <= goals[UNCACHED])}; cached p95 ≤ 50 ms "
        f"{_mark(CACHED in rows and rows[CACHED].p95 <= 50)}",
    ]
    return "\n".join(lines), failed


if __name__ == "__main__":
    sys.exit(main())
