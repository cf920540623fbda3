"""Sample Archal run records, served by the bundled sample API and used by the tests.

Each record has the shape of the canonical JSON that Archal serves from
``GET /api/runs/{runId}``: the scenario, the agent, status and score, the result
of each criterion, a step-by-step trace (agent messages, tool calls, API
requests against the hosted service clones, and the state changes they
caused), and the agent's final output. The records are awkward in the same ways
real data is. They contain non-ASCII and right-to-left text, HTML and
``<script>`` inside strings, 64-bit integers that JavaScript rounds, nested
errors, nulls, empty containers and one trace of several megabytes.

The hand-written records are JSON files, one per run: ``data/<run_id>.json``,
pretty-printed, keys in the order they are served. The large one is generated
(``sample_api.sweep``, a fixed seed), so every record is the same bytes every time.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from sample_api.sweep import SAMPLE_RUN_ID as SWEEP_RUN_ID
from sample_api.sweep import backlog_sweep, encode

__all__ = ["SAMPLE_RUN_IDS", "build_record", "encoded_records"]

DATA = Path(__file__).resolve().parent / "data"

# Roughly small to large, the order in which to show them to a newcomer; the two runs of the
# Stripe refund scenario side by side, the pair the home page offers to compare.
SAMPLE_RUN_IDS: tuple[str, ...] = (
    "run_2m8q4v1kza",  # passed: Slack welcome for a new hire (tiny)
    "run_q7m4z8c1lf",  # passed, one [P] check failed: Slack incident update (camelCase export, JSON bodies as text)
    "run_b9x2w5t3jd",  # errored: rate-limited migration (result/checks/events spellings, a Markdown report)
    "run_c5w9r2d6ht",  # failed: Stripe duplicate-charge refund goes wrong
    "run_h2p6v9t4ra",  # passed: the same scenario run again, the retry reusing its Idempotency-Key
    "run_7f3k2m9xq1",  # passed: GitHub issue triage plus a Slack summary
    "run_k8d3x0p6nb",  # errored: Jira to Linear migration hits a rate limit and crashes
    SWEEP_RUN_ID,  # passed: an hour-long backlog sweep across 18 repos (several MB, generated)
)


def build_record(run_id: str) -> dict:
    """A fresh copy of the sample record ``run_id``; ``KeyError`` if there is none."""
    if run_id not in SAMPLE_RUN_IDS:
        raise KeyError(run_id)
    if run_id == SWEEP_RUN_ID:
        return backlog_sweep(run_id)
    return json.loads((DATA / f"{run_id}.json").read_text(encoding="utf-8"))


@functools.cache
def encoded_records() -> dict[str, bytes]:
    """``run_id`` → the record as UTF-8 JSON bytes, in ``SAMPLE_RUN_IDS`` order. Built once."""
    return {run_id: encode(build_record(run_id)) for run_id in SAMPLE_RUN_IDS}
