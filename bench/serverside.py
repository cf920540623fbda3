"""Server-side measurements: page time, HTML bytes, memory, lazy parts (in process; RSS in a fresh one).

Django must be configured first (bench.env.configure).
"""

from __future__ import annotations

import ctypes
import gc
import html
import json
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from bench import env
from runs import cold as cold_module
from runs import jsonio, lookups, records, upstream
from runs.views import pages, viewer

_factory = RequestFactory()
COLD_BUDGET_S = 3.0  # cold runs of a big record take seconds each: fewer of them
_MORE_LINK = re.compile(r'<a class="json-more" href="([^"]+)"[^>]*>(Load [^<]*|… [^<]*)</a>')


def request(path: str, params: dict[str, str] | None = None):
    """A GET request as the views see it: signed out, from a local address."""
    req = _factory.get(path, params or {}, REMOTE_ADDR="127.0.0.1")
    req.user = AnonymousUser()
    return req


def median_seconds(action: Callable[[], object], repeat: int, budget_s: float = 60.0) -> float:
    """Median seconds of `repeat` runs of `action`; fewer once `budget_s` is spent (one at least)."""
    times: list[float] = []
    while len(times) < repeat and sum(times) < budget_s:
        gc.collect()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def build_page(run_id: str, body: bytes, phases: dict[str, list[float]] | None = None) -> HttpResponse:
    """What `run_detail` does for a run Archal just sent: parse, keep, render.

    The real lookup runs (snapshot stored, record cached, lookup recorded)
    with `upstream.fetch_run` answering at once with `body`, so the fetch is
    the only part left out. With `phases`, appends the seconds of each step
    to phases["parse"], phases["store"] and phases["render"].
    """
    req = request(f"/runs/{run_id}/")
    started = time.perf_counter()
    record = jsonio.parse(body)
    parsed = time.perf_counter()
    outcome = upstream.RunFound(status=200, record=record, body=body, elapsed_ms=0)
    with mock.patch.object(upstream, "fetch_run", lambda _run_id: outcome):
        answer = lookups.look_up(req, run_id, refresh=True)
    stored = time.perf_counter()
    with mock.patch.object(lookups, "look_up", lambda *_args, **_kwargs: answer):  # done just above
        response = pages.run_detail(req, run_id)
    if phases is not None:
        ended = time.perf_counter()
        for name, seconds in (("parse", parsed - started), ("store", stored - parsed), ("render", ended - stored)):
            phases.setdefault(name, []).append(seconds)
    return response


@dataclass
class PageResult:
    page_s: float  # median server time of the run page (parse + remember + render)
    phases: dict[str, float]  # median seconds of each step
    dumps_s: float  # median json.dumps(record, indent=2)
    html_bytes: int
    nodes: int  # nodes with a data-i in the page
    parse_peak: int  # bytes, tracemalloc
    page_peak: int
    parse_rss: int | None  # bytes the resident set grew by at its peak; None off Linux
    page_rss: int | None
    html: str


def measure_page(run_id: str, body: bytes, repeat: int) -> PageResult:
    """Time the run page against json.dumps(indent=2), and compare peak memory with parsing."""
    dumps_s = median_seconds(partial(json.dumps, jsonio.parse(body), indent=2), repeat)
    # Each timed build is a first view: a new run ID, so the snapshot is written too.
    counter = iter(range(1_000_000))
    phases: dict[str, list[float]] = {}
    # Each build keeps a record anew, which starts its background index build (and outline):
    # off the request path, but here it would compete for the GIL with the next builds timed.
    with override_settings(SEARCH_INDEX_IN_BACKGROUND=False, OUTLINES_IN_BACKGROUND=False):
        page_s = median_seconds(lambda: build_page(f"{run_id}-t{next(counter)}", body, phases), repeat)
    records.forget_all()
    parse_peak = peak_bytes(lambda: jsonio.parse(body))
    records.forget_all()
    response: list[HttpResponse] = []
    page_peak = peak_bytes(lambda: response.append(build_page(f"{run_id}-m", body)))
    text = response[0].content.decode()
    parse_rss, page_rss = _rss_in_fresh_process(run_id, body)
    return PageResult(
        page_s=page_s,
        phases={name: statistics.median(times) for name, times in phases.items()},
        dumps_s=dumps_s,
        html_bytes=len(response[0].content),
        nodes=text.count(' data-i="'),
        parse_peak=parse_peak,
        page_peak=page_peak,
        parse_rss=parse_rss,
        page_rss=page_rss,
        html=text,
    )


def peak_bytes(action: Callable[[], object]) -> int:
    """Peak bytes Python allocated during `action` (the body was allocated before: not counted)."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        kept = action()  # noqa: F841 (kept alive until the peak is read)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _rss_in_fresh_process(run_id: str, body: bytes) -> tuple[int | None, int | None]:
    """RSS growth of parsing only, and of building the page, each in a new process (bench.memory)."""
    path = env.workdir() / f"{run_id}.json"
    path.write_bytes(body)
    grown = []
    for mode in ("parse", "page"):
        result = subprocess.run(
            [sys.executable, "-m", "bench.memory", str(path), mode, f"{run_id}-{mode}"],
            cwd=env.REPO, capture_output=True, text=True, check=True,
        )
        output = result.stdout.strip().splitlines()
        grown.append(int(output[-1]) if output and output[-1].isdigit() else None)
    path.unlink()
    return grown[0], grown[1]


def rss_peak_bytes(action: Callable[[], object]) -> int | None:
    """Bytes the process's resident set grew by at its peak during `action` (Linux only).

    Counts what tracemalloc does not (C libraries' own memory, such as
    SQLite's) and only pages actually touched: orjson reserves far more than
    it uses, which tracemalloc counts in full. Freed memory is handed back to
    the system first, and the kernel's high-water mark reset (clear_refs 5).
    Best in a fresh process (bench.memory).
    """
    try:
        gc.collect()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        before = _status_kb("VmRSS")
        kept = action()  # noqa: F841 (kept alive until the peak is read)
        return (_status_kb("VmHWM") - before) * 1024
    except OSError:
        return None


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


# --- Lazy parts: subtrees and search --------------------------------------------


@dataclass
class LazyTiming:
    what: str
    warm_s: float
    cold_s: float
    detail: str


def lazy_links(page_html: str) -> list[tuple[str, dict[str, str]]]:
    """(label, query parameters) of the page's placeholders and "more" links, in order."""
    links = []
    for href, label in _MORE_LINK.findall(page_html):
        query = dict(parse_qsl(urlsplit(html.unescape(href)).query, keep_blank_values=True))
        links.append((html.unescape(label), query))
    return links


def measure_lazy(run_id: str, body: bytes, page_html: str, repeat: int, queries: list[str]) -> list[LazyTiming]:
    """Time subtree fragments and searches, warm (cached, indexed) and cold (from the snapshot)."""
    build_page(run_id, body)  # stored and cached, as after a visit
    # Its outline and search index stored, as the fetching process's background thread stores
    # them; cold requests are then answered from them (runs/cold.py), with no warm-up parse.
    cold_module.keep(records.load(run_id))
    no_warm_up = override_settings(OUTLINES_IN_BACKGROUND=False)
    no_warm_up.enable()
    try:
        return _lazy_timings(run_id, page_html, repeat, queries)
    finally:
        no_warm_up.disable()


def _lazy_timings(run_id: str, page_html: str, repeat: int, queries: list[str]) -> list[LazyTiming]:
    timings = []
    links = lazy_links(page_html)
    placeholder = next(((label, q) for label, q in links if label.startswith("Load")), None)
    more = next(((label, q) for label, q in links if label.startswith("…")), None)
    for kind, link in (("subtree (placeholder)", placeholder), ("next page (… more)", more)):
        if link is None:
            continue
        label, params = link
        params = {**params, "fragment": "1"}
        call = lambda params=params: _check(viewer.run_tree(request(f"/runs/{run_id}/tree", params), run_id))
        size = len(call().content)
        warm = median_seconds(call, repeat)
        cold = median_seconds(lambda call=call: (records.forget_all(), call()), repeat, budget_s=COLD_BUDGET_S)
        detail = f'at={params.get("at")!r} {label!r}, {size:,} bytes of HTML'
        timings.append(LazyTiming(kind, warm, cold, detail))
    for query in queries:
        call = lambda query=query: _check(viewer.run_search(request(f"/runs/{run_id}/search", {"q": query}), run_id))
        result = json.loads(call().content)  # also builds the index
        index = records.load(run_id).search_index()
        # Warm, but as the first time this query is asked: the index keeps its
        # counts of one-character queries.
        warm = median_seconds(lambda call=call, index=index: (index._byte_counts.clear(), call()), repeat)
        cold = median_seconds(lambda call=call: (records.forget_all(), call()), repeat, budget_s=COLD_BUDGET_S)
        detail = f"{result['count']:,} matches; first at {result['nodes'][:1]}"
        timings.append(LazyTiming(f"search {query!r}", warm, cold, detail))
    parsed = records.load(run_id)
    parsed._index = None
    index_s = median_seconds(lambda: (setattr(parsed, "_index", None), parsed.search_index()), repeat,
                             budget_s=COLD_BUDGET_S)
    parse_s = median_seconds(lambda: (records.forget_all(), records.load(run_id)), repeat, budget_s=COLD_BUDGET_S)
    timings.append(LazyTiming("without an outline: read + parse", 0.0, parse_s, "records.load after forget_all"))
    timings.append(LazyTiming("without an outline: index build", 0.0, index_s, "SearchIndex(record)"))
    return timings


def _check(response: HttpResponse) -> HttpResponse:
    if response.status_code != 200:
        raise RuntimeError(f"status {response.status_code}: {response.content[:300]!r}")
    return response
