"""Pairs of related run records for the compare benchmark, the same bytes every time.

B is A run again: one step inserted, one deleted, one moved, a few values
changed, and every step's timestamp and duration different (an hour later,
a few milliseconds longer), its steps renumbered, as two runs of one scenario
on two days would be. `EDITS` is what the compare page should find.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

from sample_api.sweep import encode

__all__ = ["EDITS", "encode", "related"]

# Steps of B the edits are expected to show as: inserted, deleted, moved, and 3 changed.
EDITS = 6


def related(a: dict) -> dict:
    """B for record A (A is not changed)."""
    b = copy.deepcopy(a)
    trace: list[dict] = b["trace"]
    n = len(trace)
    for step in trace:
        if isinstance(step.get("timestamp"), str):
            step["timestamp"] = _later(step["timestamp"])
        if isinstance(step.get("duration_ms"), int):
            step["duration_ms"] += 3 + len(step) % 5
    # A few values changed: a tool's argument, a result, an agent's message.
    _first(trace, n // 5, "tool_call")["arguments"]["per_page"] = 50
    _first(trace, n // 2, "tool_call")["result"] = {"count": 0, "note": "changed in B"}
    message = _first(trace, 4 * n // 5, "agent_message")
    message["content"] = message["content"] + " Then re-checking the labels."
    # One moved: a state change goes 40 steps later.
    moved = trace.pop(_index(trace, 3 * n // 10, "state_change"))
    trace.insert(3 * n // 10 + 40, moved)
    del trace[_index(trace, 2 * n // 5, "tool_call")]  # one deleted
    trace.insert(3 * n // 5, {  # one inserted
        "timestamp": trace[3 * n // 5]["timestamp"], "kind": "agent_message", "role": "assistant",
        "content": "Pausing: the GitHub secondary rate limit is close; waiting 30 s before the next call.",
    })
    for index, step in enumerate(trace):
        if "index" in step:
            step["index"] = index
    b["started_at"] = _later(b["started_at"])
    b["finished_at"] = _later(b["finished_at"])
    b["duration_ms"] = b["duration_ms"] + 4_213
    return b


def _later(timestamp: str) -> str:
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00")) + timedelta(hours=26, milliseconds=417)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _index(trace: list[dict], start: int, kind: str) -> int:
    return next(i for i in range(start, len(trace)) if trace[i].get("kind") == kind)


def _first(trace: list[dict], start: int, kind: str) -> dict:
    return trace[_index(trace, start, kind)]
