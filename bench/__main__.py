"""`make bench` / `python -m bench [FILE.json ...]`: how the run viewer performs, as tables.

A benchmark, not a test: it prints what it measured and marks each goal of
the viewer met or missed; it never fails for being slow. Records: synthetic
runs of about 10 KB, 1 MB, 10 MB and 50 MB (bench.records, fixed seed), then
any JSON files named on the command line.

`--sweep TREE_NODE_BUDGET=500,1000,2000` instead measures the largest record
once per value of a tree setting (server time, HTML bytes, Chromium).

Then the compare section (issue 11): each synthetic record of 1 MB or more
against the same run again (bench.pairs: a step inserted, one deleted, one
moved, a few values changed, every timestamp and duration different) through
the compare page and its JSON Patch, and the same pair through deepdiff and
jsonpatch.make_patch. `--compare-only` runs just that; `--no-compare` skips it.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from pathlib import Path

from bench import env
from bench.records import SIZES, synthetic_bodies

MB = 1024 * 1024
BIG = 900_000  # bytes from which a record counts as "1 MB and up" (the synthetic 1 MB is 999,433)
# Chromium lays out tens of MB of plain text for minutes; past this the
# comparison is decided anyway, and `make bench` has to end.
TEXT_TIMEOUT_S = 60


def _say(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(  # noqa: E731
        c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )
    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _load() -> str:
    try:
        return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "load average unknown"


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def _run_id(label: str) -> str:
    return "run_bench_" + re.sub(r"[^A-Za-z0-9_.-]+", "_", label).lower()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="JSON files to measure as run records too")
    parser.add_argument("--sizes", default=",".join(SIZES), help=f"synthetic sizes ({','.join(SIZES)}; '' for none)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per median (default 3)")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    parser.add_argument("--query", action="append", dest="queries",
                        help="filter queries timed on the largest record (default: slack, RateLimited, e)")
    parser.add_argument("--sweep", metavar="SETTING=V1,V2,…",
                        help="measure the largest record once per value of a TREE_* setting")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (database, logs)")
    parser.add_argument("--no-compare", action="store_true", help="skip the compare section")
    parser.add_argument("--compare-only", action="store_true", help="only the compare section")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    labels = [s for s in args.sizes.split(",") if s]
    unknown = [s for s in labels if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {unknown[0]!r}; choose from {', '.join(SIZES)}")
    _say(f"generating {', '.join(labels) or 'no'} synthetic records")
    bodies = synthetic_bodies({label: SIZES[label] for label in labels})
    for path in args.files:
        bodies[path.name] = path.read_bytes()
    if not bodies:
        parser.error("nothing to measure")
    run_ids = {label: _run_id(label) for label in bodies}

    from sample_api.server import SampleArchalServer

    archal = SampleArchalServer(("127.0.0.1", 0), {run_ids[k]: v for k, v in bodies.items()}, env.TOKEN)
    archal.start_in_thread()
    env.configure(archal.url)

    print(f"archal-dash benchmark — {_machine()}")
    print(f"Chromium: {'skipped' if args.no_browser else os.environ.get('CHROMIUM_PATH', '/usr/bin/chromium')}; "
          f"medians of {args.repeat}; {_load()}")
    try:
        if args.sweep:
            _sweep(args, bodies, run_ids, archal.url)
        elif not args.compare_only:
            _main_tables(args, bodies, run_ids, archal.url)
        if not args.sweep and not args.no_compare:
            _compare_tables(args, {label: body for label, body in bodies.items() if label in SIZES})
    finally:
        archal.shutdown()
        if args.keep:
            print(f"\nWork files kept in {env.workdir()}")
        else:
            env.remove_workdir()
    print(f"\n({time.perf_counter() - started:.0f} s in all; {_load()} at the end)")
    return 0


def _main_tables(args, bodies: dict[str, bytes], run_ids: dict[str, str], archal_url: str) -> None:
    from django.conf import settings

    from bench import serverside

    print(f"Tree settings: TREE_NODE_BUDGET={settings.TREE_NODE_BUDGET} TREE_PAGE_SIZE={settings.TREE_PAGE_SIZE} "
          f"TREE_VISIBLE_BUDGET={settings.TREE_VISIBLE_BUDGET} TREE_STRING_CHARS={settings.TREE_STRING_CHARS}")
    results = {}
    for label, body in bodies.items():
        _say(f"server side: {label}")
        # Small records take milliseconds, where SQLite's commits jitter: more runs.
        repeat = args.repeat if len(body) >= 1_000_000 else max(args.repeat, 9)
        results[label] = serverside.measure_page(run_ids[label], body, repeat)

    rows = []
    for label, r in results.items():
        rows.append([
            label, f"{len(bodies[label]):,}", _ms(r.page_s),
            "/".join(_ms(r.phases[name]) for name in ("parse", "store", "render")),
            _ms(r.dumps_s), f"{r.page_s / r.dumps_s:.2f}", f"{r.html_bytes:,}", f"{r.nodes:,}",
        ])
    print("\nServer side (in process, upstream fetch excluded)")
    print(_table(["record", "JSON bytes", "page ms", "parse/store/render", "dumps ms", "ratio", "HTML bytes",
                  "nodes"], rows))
    print("  page ms: a first view, upstream fetch excluded: jsonio.parse + lookups.look_up (snapshot\n"
          "  written, record cached, Lookup row) + the run page's view (render), median; parse/store/render: the\n"
          "  median of each step. dumps ms: json.dumps(record, indent=2), median.\n"
          "  nodes: elements with a data-i (tree nodes) in the HTML.")

    rows = []
    for label, r in results.items():
        rss = r.parse_rss is not None and r.page_rss is not None
        rows.append([
            label, f"{r.parse_peak / MB:,.1f}", f"{r.page_peak / MB:,.1f}", f"{r.page_peak / r.parse_peak:.2f}",
            f"{r.parse_rss / MB:,.1f}" if rss else "-", f"{r.page_rss / MB:,.1f}" if rss else "-",
            f"{r.page_rss / r.parse_rss:.2f}" if rss and r.parse_rss >= MB else "-",
        ])
    print("\nPeak memory: building the page against only parsing (jsonio.parse)")
    print(_table(["record", "parse MB", "page MB", "ratio", "parse RSS MB", "page RSS MB", "ratio"], rows))
    print("  The body bytes exist before both and are not counted. parse/page MB: peak of the Python\n"
          "  heap (tracemalloc); it counts in full what orjson reserves but mostly never touches, and\n"
          "  misses SQLite's own buffers. RSS MB: how far the process's resident set grew at its peak\n"
          "  (Linux VmHWM after clear_refs 5): pages touched, C libraries included; \"-\" under 1 MB.")
    # Below 1 MB a page is its fixed costs (a transaction, the template): 6 ms against a
    # json.dumps of 0.1 ms at 10 KB. The goals on time and memory are for records from 1 MB up.
    big = [r for label, r in results.items() if len(bodies[label]) >= BIG]
    goals = [
        ("page time ≤ 1.0 × json.dumps(indent=2) from 1 MB up", all(r.page_s <= r.dumps_s for r in big)),
        ("HTML ≤ 1 MB", all(r.html_bytes <= 1_000_000 for r in results.values())),
        ("peak memory ≤ 1.5 × parse (tracemalloc) from 1 MB up",
         all(r.page_peak <= 1.5 * r.parse_peak for r in big)),
        ("peak memory ≤ 1.5 × parse (RSS, records over 1 MB)",
         all(r.page_rss <= 1.5 * r.parse_rss for r in results.values()
             if r.page_rss is not None and r.parse_rss is not None and r.parse_rss >= MB)),
    ]

    largest = max(bodies, key=lambda k: len(bodies[k]))
    _say(f"lazy parts: {largest}")
    queries = args.queries or ["slack", "RateLimited", "e"]
    lazy = serverside.measure_lazy(run_ids[largest], bodies[largest], results[largest].html, args.repeat, queries)
    print(f"\nLazy parts of the largest record ({largest}), server side (view call, in process)")
    print(_table(["what", "warm ms", "cold ms", "detail"],
                 [[t.what, _ms(t.warm_s) if t.warm_s else "", _ms(t.cold_s), t.detail] for t in lazy]))
    print("  warm: record cached and search index built (its count of a one-character query not yet\n"
          "  kept); cold: after records.forget_all(), as in a process that has not parsed the record,\n"
          "  answered from its stored outline and search index (runs/cold.py); without an outline (a\n"
          "  record under 1 MB, or not outlined yet) the snapshot is read and parsed, and indexed, first.")
    timed = [t for t in lazy if t.warm_s]
    goals.append(("subtree and first filter result < 200 ms (warm)", all(t.warm_s < 0.2 for t in timed)))
    goals.append(("… and cold", all(t.cold_s < 0.2 for t in timed)))

    if not args.no_browser:
        visits = _browser_visits(args, bodies, run_ids, archal_url)
        rows = []
        for label, (page, text) in visits.items():
            bound = ">" if text.timed_out else ""  # the text never settled: its time is at least this
            rows.append([
                label, _ms(page.settled_ms / 1000), _ms(page.fastest_ms / 1000), _ms(page.ttfb_ms / 1000),
                _ms((page.settled_ms - page.ttfb_ms) / 1000), f"{page.nodes:,}",
                bound + _ms(text.settled_ms / 1000) + ("" if text.samples == args.repeat else f" ({text.samples}×)"),
                ("<" if bound else "") + f"{page.settled_ms / text.settled_ms:.2f}",
            ])
        print("\nHeadless Chromium: navigation start → first animation frame after load (median)")
        print(_table(["record", "run page ms", "fastest", "of it TTFB", "after TTFB", "DOM nodes", "text/plain ms",
                      "ratio"], rows))
        print("  Each visit navigates one tab from the root of the same site, as opening a run from\n"
              "  the home page does (a new tab costs headless Chromium ~140 ms of CPU of its own).\n"
              "  run page: the Procfile's web: line (gunicorn, 1 worker, 4 threads, DEBUG off, static files\n"
              "  hashed and cached); an untimed first visit fetches the record from the local sample Archal\n"
              "  API and stores it, the timed ones are answered from that recent copy (no upstream call;\n"
              "  RUN_CACHE_SECONDS).\n"
              "  fastest: the quickest visit; TTFB: the median visit's first byte, the server's part.\n"
              "  text/plain: the record pretty-printed (indent 2), served by a stdlib http.server;\n"
              "  (n×): visits stopped after 30 s, median of n; >N: not settled within\n"
              f"  {TEXT_TIMEOUT_S} s, the visit was cut short. DOM nodes: elements with a data-i (tree nodes).")
        big_visits = {k: v for k, v in visits.items() if len(bodies[k]) >= BIG}
        goals.append(("Chromium run page ≤ 0.5 × text/plain from 1 MB up",
                      all(p.settled_ms <= 0.5 * t.settled_ms for p, t in big_visits.values())))
        goals.append(("Chromium run page ≤ 400 ms at every size",
                      all(p.settled_ms <= 400 for p, _ in visits.values())))
        goals.append(("… counting from the first byte (server time excluded)",
                      all(p.settled_ms - p.ttfb_ms <= 400 for p, _ in visits.values())))

    print("\nGoals")
    for name, ok in goals:
        print(f"  {_mark(ok):6}  {name}")


def _compare_tables(args, bodies: dict[str, bytes]) -> None:
    """Compare two related runs of each size from 1 MB up (bench.pairs), with deepdiff and jsonpatch."""
    from bench import comparing, pairs
    from runs import jsonio

    pairs_of = {label: body for label, body in bodies.items() if len(body) >= BIG}
    if not pairs_of:
        return
    results = {}
    for label, body in pairs_of.items():
        _say(f"compare: {label} (B = A run again)")
        related = pairs.encode(pairs.related(jsonio.parse(body)))
        results[label] = (len(related), comparing.measure_pair(label, body, related, args.repeat))
    rows = []
    for label, (b_bytes, r) in results.items():
        rows.append([
            label, f"{len(bodies[label]):,} / {b_bytes:,}", _ms(r.first_s),
            "/".join(_ms(r.phases[name]) for name in ("fetch", "compare", "render")), _ms(r.warm_s), _ms(r.patch_s),
            f"{r.html_bytes:,}", f"{r.changes:,}", f"{r.hidden:,}", f"{r.step_differences}", r.first_difference,
            f"{r.patch_ops:,}", f"{r.page_peak / r.parse_peak:.2f}",
        ])
    print("\nCompare two runs (issue 11): B = A with a step inserted, one deleted, one moved, 3 values changed,")
    print("every step's timestamp and duration different (bench.pairs); server side, in process")
    print(_table(["pair", "A / B bytes", "page ms", "fetch/compare/render", "warm ms", "patch ms", "HTML bytes", "changes", "hidden",
                  "step diffs", "first difference", "patch ops", "peak ÷ parse"], rows))
    print("  page ms: /compare/<a>/<b>/ for two runs just fetched: both parsed and stored (lookups.look_up,\n"
          "  upstream answering at once), compared and rendered (median); fetch/compare/render: the median\n"
          "  of each part (fetch: parse, store and record both lookups). warm ms: the same page with both\n"
          "  records kept (RECORD_CACHE_BYTES raised to hold both), comparing again. patch ms: /compare/<a>/<b>/patch with both kept (make_patch and\n"
          "  its JSON). changes: listed after alignment with times, durations and IDs ignored; hidden: values\n"
          "  those hid. peak ÷ parse: tracemalloc's peak of the page against parsing the two bodies.")
    rows = []
    for label, (_, r) in results.items():
        deepdiff = (f"{_ms(r.deepdiff_s)} / {r.deepdiff_items:,}" if r.deepdiff_s is not None
                    else "not run (minutes)")
        jsonpatch_cell = f"{_ms(r.jsonpatch_s)} / {r.jsonpatch_ops:,}" if r.jsonpatch_s is not None else "-"
        speedup = f"{r.deepdiff_s / r.first_s:.0f}×" if r.deepdiff_s is not None else "-"
        rows.append([label, f"{_ms(r.first_s)} / {r.patch_ops:,}", jsonpatch_cell, deepdiff, speedup])
    print("\nThe same pairs through the libraries (one run each, parsed records given)")
    print(_table(["pair", "ours: page ms / patch ops", "jsonpatch.make_patch ms / ops", "deepdiff ms / items",
                  "page vs deepdiff"], rows))
    print(f"  deepdiff is not run past {comparing.DEEPDIFF_MAX_BYTES // 1_000_000} MB: it took 196 s at 50 MB "
          "when issue 11 was planned.")
    goals = []
    if "10MB" in results:
        goals.append(("10 MB pair: compare page ≤ 1.5 s", results["10MB"][1].first_s <= 1.5))
    if "50MB" in results:
        goals.append(("50 MB pair: compare page ≤ 6 s", results["50MB"][1].first_s <= 6))
    goals += [
        ("≤ 10 step differences reported for every pair", all(r.step_differences <= 10 for _, r in results.values())),
        ("≥ 10× faster than deepdiff (where run)",
         all(r.deepdiff_s >= 10 * r.first_s for _, r in results.values() if r.deepdiff_s is not None)),
        ("peak memory ≤ 3 × the two parses (tracemalloc)",
         all(r.page_peak <= 3 * r.parse_peak for _, r in results.values())),
        ("compare page HTML ≤ 1 MB", all(r.html_bytes <= 1_000_000 for _, r in results.values())),
    ]
    print("\nCompare goals")
    for name, ok in goals:
        print(f"  {_mark(ok):6}  {name}")


def _browser_visits(args, bodies, run_ids, archal_url):
    """label -> (run page visit, text/plain visit)."""
    from bench import browser
    from runs import jsonio

    _say("pretty-printing the records for text/plain")
    texts = browser.TextServer({run_ids[k]: jsonio.dumps(jsonio.parse(body), pretty=True) for k, body in bodies.items()})
    chromium = browser.Browser()
    visits = {}
    try:
        with browser.dashboard(archal_url) as base:
            for label in bodies:
                _say(f"Chromium: {label}")
                page = chromium.median_visit(f"{base}/runs/{run_ids[label]}/", args.repeat, warm_up=True)
                text = chromium.median_visit(texts.url(run_ids[label]), args.repeat, warm_up=False,
                                             timeout_s=TEXT_TIMEOUT_S)
                visits[label] = (page, text)
    finally:
        chromium.close()
        texts.shutdown()
    return visits


def _sweep(args, bodies, run_ids, archal_url) -> None:
    """One row per value of a TREE_* setting, on the largest record.

    Every value gets its own gunicorn, all running at once, and the browser
    visits them in turns, so that load from elsewhere on the machine falls
    on all values alike.
    """
    from contextlib import ExitStack

    from django.conf import settings
    from django.test import override_settings

    from bench import browser, serverside

    name, _, values_text = args.sweep.partition("=")
    if not name.startswith("TREE_") or not hasattr(settings, name) or not values_text:
        raise SystemExit(f"--sweep wants TREE_SETTING=V1,V2,…, not {args.sweep!r}")
    values = [int(v) for v in values_text.split(",")]
    largest = max(bodies, key=lambda k: len(bodies[k]))
    body, run_id = bodies[largest], run_ids[largest]
    rows = {}
    for value in values:
        _say(f"server side: {name}={value}")
        with override_settings(**{name: value}):
            ids = (f"{run_id}-s{value}-{n}" for n in range(args.repeat))
            page_s = serverside.median_seconds(lambda ids=ids: serverside.build_page(next(ids), body), args.repeat)
            html = serverside.build_page(run_id, body).content
        rows[value] = [f"{name}={value}", _ms(page_s), f"{len(html):,}", f"{html.decode().count(' data-i=') :,}"]
    if not args.no_browser:
        chromium = browser.Browser()
        visits: dict[int, list] = {value: [] for value in values}
        try:
            with ExitStack() as servers:
                urls = {}
                for value in values:
                    _say(f"starting gunicorn with {name}={value}")
                    base = servers.enter_context(browser.dashboard(archal_url, {name: str(value)}))
                    urls[value] = f"{base}/runs/{run_id}/"
                    chromium.visit(urls[value])  # untimed: stores and caches the record
                for turn in range(args.repeat):
                    _say(f"Chromium, turn {turn + 1} of {args.repeat}")
                    for value in values:
                        visits[value].append(chromium.visit(urls[value]))
        finally:
            chromium.close()
        for value in values:
            ordered = sorted(visits[value], key=lambda v: v.settled_ms)
            middle = ordered[(len(ordered) - 1) // 2]
            rows[value] += [_ms(middle.settled_ms / 1000), _ms(ordered[0].settled_ms / 1000),
                            _ms(middle.ttfb_ms / 1000), _ms((middle.settled_ms - middle.ttfb_ms) / 1000),
                            _ms(min(v.settled_ms - v.ttfb_ms for v in ordered) / 1000)]
    header = ["setting", "page ms", "HTML bytes", "nodes"]
    if not args.no_browser:
        header += ["Chromium ms", "fastest", "of it TTFB", "after TTFB", "fastest"]
    print(f"\nSweep of {name} on {largest} ({len(body):,} bytes)")
    print(_table(header, list(rows.values())))
    print("  page ms: server time of a first view in process (median). Chromium: navigation start →\n"
          "  first animation frame after load, median and fastest of the visits, each value served\n"
          "  by its own gunicorn from the stored copy, visited in turns; TTFB: the server's part;\n"
          "  after TTFB: the browser's own part (median, and the fastest).")


if __name__ == "__main__":
    sys.exit(main())
