"""`python -m bench.reading [--sizes 1MB,50MB] [--repeat N]`: a run read as a run, measured.

For each synthetic record (bench/records.py): the run page's server time for a
record Archal just sent (parse, store, summary, render), the share of it spent
reading the record as a run (runs/summary.py: status, criteria, the failed
steps and the first page of steps), the page's HTML size, and warm answers of
/steps (a page, a page of failed steps, the JSON) and /table on the trace.
Goals (issue 10): the summary at most 10% of the page, /steps and /table at
most 100 ms warm, the page at most 1 MB.

A benchmark, not a test: it prints what it measured.
"""

from __future__ import annotations

import argparse

from bench import env
from bench.records import SIZES, synthetic_bodies

GOAL_SHARE = 0.10
GOAL_WARM_S = 0.100
GOAL_PAGE_BYTES = 1_000_000


def measure(label: str, body: bytes, repeat: int) -> list[str]:
    """One table row for the record `body`."""
    from bench.serverside import build_page, median_seconds, request
    from runs import records
    from runs.summary import summarise
    from runs.views import arrays

    run_id = f"run_reading_{label.lower()}"
    build_page(run_id, body)  # parse and keep it once, as a first visit would
    page_s = median_seconds(lambda: build_page(run_id, body), repeat)
    parsed = records.load(run_id)
    assert parsed is not None
    summary_s = median_seconds(lambda: summarise(parsed.record), repeat)
    page_bytes = len(build_page(run_id, body).content)

    def answer(view, **params: str) -> float:
        path = f"/runs/{run_id}/{view.__name__}"
        assert view(request(path, params), run_id).status_code == 200
        return median_seconds(lambda: view(request(path, params), run_id), repeat)

    trace = parsed.summary.trace
    steps = parsed.summary.step_count
    timings = [answer(arrays.run_steps), answer(arrays.run_steps, errors="1"),
               answer(arrays.run_steps, format="json", offset=str(steps // 2))]
    if trace is not None:
        timings.append(answer(arrays.run_table, pointer=trace.pointer, offset=str(steps // 2)))
    share = summary_s / page_s
    warm = max(timings)
    return [
        label, f"{steps:,}", f"{page_s * 1000:,.0f}", f"{summary_s * 1000:,.0f} ({share:.1%})",
        f"{page_bytes / 1000:,.0f}", " / ".join(f"{t * 1000:,.0f}" for t in timings),
        "yes" if share <= GOAL_SHARE and warm <= GOAL_WARM_S and page_bytes <= GOAL_PAGE_BYTES else "NO",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1MB,10MB,50MB", help=f"of {', '.join(SIZES)}")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env.configure("http://127.0.0.1:9")  # no Archal: build_page answers with the body itself
    from django.conf import settings

    # Every build_page keeps the record anew, which starts a background index build: it would
    # compete for the GIL with the next measurement and double the times of both, at random.
    settings.SEARCH_INDEX_IN_BACKGROUND = False
    sizes = {label: SIZES[label] for label in args.sizes.split(",")}
    bodies = synthetic_bodies(sizes)
    header = ["record", "steps", "page ms", "summary ms (share)", "page KB",
              "warm ms: /steps, failed, json, /table", "goals met"]
    rows = [measure(label, body, args.repeat) for label, body in bodies.items()]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * width for width in widths], *rows]:
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")


if __name__ == "__main__":
    main()
