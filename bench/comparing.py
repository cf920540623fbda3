"""The compare benchmark: two related runs (bench.pairs) through the compare page and its patch,
against the same pair through deepdiff and jsonpatch.make_patch (in process).

Django must be configured first (bench.env.configure).
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from unittest import mock

from django.template.loader import render_to_string
from django.test import override_settings

from bench.serverside import median_seconds, peak_bytes, request
from runs import comparisons, jsonio, records, upstream, volatile
from runs.compare_page import comparison_page
from runs.views import compare

DEEPDIFF_MAX_BYTES = 20_000_000  # deepdiff took 31 s at 10 MB and 196 s at 50 MB (issue 11): not run past this


@dataclass
class CompareResult:
    first_s: float  # the compare page for two runs just fetched: parse and store both, compare, render
    phases: dict[str, float]  # median seconds of each part of it: fetch (both), compare, render
    warm_s: float  # the same page with both records kept (recent copies), the comparison not yet kept
    patch_s: float  # /patch with both records kept
    html_bytes: int
    changes: int  # changes listed (after alignment, volatile fields ignored)
    hidden: int
    step_differences: int
    first_difference: str
    patch_ops: int
    patch_bytes: int
    parse_peak: int  # bytes, tracemalloc: parsing both bodies
    page_peak: int  # bytes, tracemalloc: the first-view page
    jsonpatch_s: float | None
    jsonpatch_ops: int | None
    deepdiff_s: float | None
    deepdiff_items: int | None


def _fetched(bodies: dict[str, bytes]) -> Callable[[str], upstream.FetchOutcome]:
    """fetch_run answering at once with the body of each run, parsed as upstream parses it."""

    def fetch(run_id: str) -> upstream.FetchOutcome:
        body = bodies[run_id.rsplit("-", 1)[0]]
        return upstream.RunFound(status=200, record=jsonio.parse(body), body=body, elapsed_ms=0)  # type: ignore[arg-type]

    return fetch


def measure_pair(label: str, body_a: bytes, body_b: bytes, repeat: int, libraries: bool = True) -> CompareResult:
    """Time the compare page and the patch for runs A and B, and the libraries on the same pair."""
    bodies = {f"run_cmp_{label}_a": body_a, f"run_cmp_{label}_b": body_b}
    a_id, b_id = list(bodies)
    fetch = _fetched(bodies)
    serial = count()

    def first_view() -> object:  # new run IDs: each time both are fetched and stored, as a first visit
        n = next(serial)
        comparisons.forget_all()
        return compare.compare_runs(request("/compare/"), f"{a_id}-{n}", f"{b_id}-{n}")

    def first_view_in_parts(times: dict[str, list[float]]) -> None:  # what the view does, timed part by part
        n = next(serial)
        comparisons.forget_all()
        req = request("/compare/")
        started = time.perf_counter()
        sides = comparisons.look_up_both(req, f"{a_id}-{n}", f"{b_id}-{n}")
        fetched = time.perf_counter()
        comparison = comparisons.comparison_of(*comparisons.records_of(sides), volatile.DEFAULT)
        compared = time.perf_counter()
        page = comparison_page(comparison, a_id, b_id)
        render_to_string("runs/compare.html", {"page": page, "sides": sides}, request=req)
        ended = time.perf_counter()
        for name, seconds in (("fetch", fetched - started), ("compare", compared - fetched), ("render", ended - compared)):
            times.setdefault(name, []).append(seconds)

    # Both records kept in memory, as a deployment that compares runs this big should allow
    # (the default RECORD_CACHE_BYTES, 256 MB of memory, holds one 50 MB record: the other is read again).
    room = override_settings(RECORD_CACHE_BYTES=3 * int(records.MEMORY_PER_JSON_BYTE * (len(body_a) + len(body_b))))
    with mock.patch.object(upstream, "fetch_run", fetch), room:
        first_s = median_seconds(first_view, repeat)
        phases = _phases(first_view_in_parts, repeat)
        kept = f"{a_id}-kept", f"{b_id}-kept"
        response = compare.compare_runs(request("/compare/"), *kept)  # fetched and stored once
        comparison = next(iter(comparisons._kept.values()))[0]

        def warm() -> object:
            comparisons.forget_all()
            return compare.compare_runs(request("/compare/"), *kept)

        warm_s = median_seconds(warm, repeat)
        patch_response = compare.compare_patch(request("/compare/patch"), *kept)
        patch_s = median_seconds(lambda: compare.compare_patch(request("/compare/patch"), *kept), repeat)
        records.forget_all()
        comparisons.forget_all()
        parse_peak = peak_bytes(lambda: (jsonio.parse(body_a), jsonio.parse(body_b)))
        records.forget_all()
        page_peak = peak_bytes(first_view)
    records.forget_all()
    comparisons.forget_all()
    steps = comparison.steps
    first = steps.first_difference if steps is not None else None
    result = CompareResult(
        first_s=first_s, phases=phases, warm_s=warm_s, patch_s=patch_s, html_bytes=len(response.content),
        changes=len(comparison.changes), hidden=comparison.hidden,
        step_differences=steps.differences if steps is not None else 0,
        first_difference="" if first is None else f"{first.state} A{first.a_index} B{first.b_index}",
        patch_ops=len(json.loads(patch_response.content)), patch_bytes=len(patch_response.content),
        parse_peak=parse_peak, page_peak=page_peak,
        jsonpatch_s=None, jsonpatch_ops=None, deepdiff_s=None, deepdiff_items=None,
    )
    if libraries:
        _libraries(result, body_a, body_b)
    return result


def _phases(action: Callable[[dict[str, list[float]]], None], repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {}
    for _ in range(repeat):
        gc.collect()
        action(times)
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def _libraries(result: CompareResult, body_a: bytes, body_b: bytes) -> None:
    """jsonpatch.make_patch and deepdiff.DeepDiff on the parsed pair, once each (they take seconds)."""
    import jsonpatch
    from deepdiff import DeepDiff

    a, b = jsonio.parse(body_a), jsonio.parse(body_b)
    gc.collect()
    started = time.perf_counter()
    patch = jsonpatch.make_patch(a, b)
    result.jsonpatch_s = time.perf_counter() - started
    result.jsonpatch_ops = len(patch.patch)
    if len(body_a) <= DEEPDIFF_MAX_BYTES:
        gc.collect()
        started = time.perf_counter()
        diff = DeepDiff(a, b)
        result.deepdiff_s = time.perf_counter() - started
        result.deepdiff_items = sum(len(items) for items in diff.values())
