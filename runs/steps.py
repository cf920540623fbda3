"""A run's trace read as steps: kind, name, failed or not, when and for how long.

Pure: parsed JSON in, dataclasses out. The trace is the largest array of
objects spelled as a trace (runs/roles.py) at the top level or one level
down; any array of objects can be read the same way (?pointer=).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeGuard

from runs.paging import PAGE_SIZE, Paged, page_start
from runs.paths import json_pointer
from runs.roles import MISSING, Fact, arrays_near_top, keys_for, names_of, value_of
from runs.verdicts import is_failure_word

MOSTLY = 0.5  # an array is "of objects" when at least this share of its items are objects


@dataclass(frozen=True)
class Step:
    index: int
    pointer: str
    kind: str | None
    name: str | None
    failed: bool
    start_ms: float | None  # from the first step's start
    duration_ms: float | None


def find_trace(record: object) -> Fact[list] | None:
    """The record's trace: the largest array of objects spelled as one, near the top."""
    candidates = [fact for fact in arrays_near_top(record, "trace") if objects_share(fact.value) >= MOSTLY]
    return max(candidates, key=lambda fact: len(fact.value), default=None)


def objects_share(items: list) -> float:
    """The share of `items` that are objects (0 for an empty array); judged on the first 1,000."""
    sample = items[:1000]
    return sum(isinstance(item, dict) for item in sample) / len(sample) if sample else 0.0


def read_steps(items: list, pointer: str, start: int = 0, stop: int | None = None) -> list[Step]:
    """Items [start, stop) of the array at `pointer` as Steps (items that are not objects:
    all None), their starts counted from the first step's that has one."""
    origin = trace_origin(items)
    steps = [_step(index, items[index], pointer, origin) for index in range(*slice(start, stop).indices(len(items)))]
    return steps


def trace_origin(items: list) -> float | None:
    """Epoch milliseconds of the first item that says when it started."""
    for item in items:
        if isinstance(item, dict):
            start = timestamp_seconds(value_of(item, "started", names_of(item)))
            if start is not None:
                return start * 1000
    return None


def failed_indices(items: list) -> list[int]:
    """Indices of the failed steps: far cheaper than reading every step whole.

    The hot loop of a run's summary (every step of a 48,000-step trace): the
    failure keys of each key set, and whether each status word means failure,
    are worked out once, in dicts local to the scan."""
    keys_of: dict[tuple[str, ...], tuple[str | None, ...]] = {}
    words: dict[str, bool] = {}
    failed = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        keys = tuple(item)
        roles = keys_of.get(keys)
        if roles is None:
            roles = keys_of[keys] = keys_for(keys, FAILURE_ROLES)
        if _failed(item, roles, words):
            failed.append(index)
    return failed


def _step(index: int, item: object, pointer: str, origin: float | None) -> Step:
    if not isinstance(item, dict):
        return Step(index, json_pointer(pointer, index), None, None, False, None, None)
    names = names_of(item)
    start = timestamp_seconds(value_of(item, "started", names))
    return Step(
        index=index,
        pointer=json_pointer(pointer, index),
        kind=_text(value_of(item, "kind", names)),
        name=step_name(item, names),
        failed=step_failed(item),
        start_ms=None if start is None or origin is None else round(start * 1000 - origin, 3),
        duration_ms=duration_ms(item, start, names),
    )


FAILURE_ROLES = ("error", "status", "response")


def step_failed(item: object) -> bool:
    """A non-empty error, a failure word as its status, or an HTTP response status of 400 or more."""
    return isinstance(item, dict) and _failed(item, keys_for(tuple(item), FAILURE_ROLES), {})


def _failed(item: dict, roles: tuple[str | None, ...], words: dict[str, bool]) -> bool:
    # `roles`: the keys of FAILURE_ROLES in `item` (keys_for); `words`: status words already judged.
    error, status, response = roles
    if error is not None and item[error] not in EMPTY:
        return True
    if status is not None:
        value = item[status]
        if isinstance(value, str):
            failure = words.get(value)
            if failure is None:
                failure = words[value] = is_failure_word(value)
            if failure:
                return True
        elif _http_error(value):
            return True
    if response is not None and isinstance(item[response], dict):
        return _http_error(item[response].get("status", item[response].get("status_code")))
    return False


EMPTY: tuple[object, ...] = (MISSING, None, False, "", [], {})


def _http_error(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def step_name(item: dict, names: Mapping[str, str]) -> str | None:
    """The tool's name, or an HTTP request's method and URL (on the step or in its request)."""
    tool = _text(value_of(item, "tool", names))
    if tool is not None:
        return tool
    request = value_of(item, "request", names)
    if isinstance(request, dict):
        item, names = request, names_of(request)
    method, url = _text(value_of(item, "method", names)), _text(value_of(item, "url", names))
    named = " ".join(part for part in (method, url) if part)
    return named or None


def timestamp_seconds(value: object) -> float | None:
    """Seconds since the epoch of an ISO 8601 string, or of a number in seconds or milliseconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if value != value or abs(value) > 1e15:  # NaN, or no time at all
            return None
        return value / 1000 if abs(value) > 1e11 else float(value)  # past 1e11 s is the year 5138: ms
    if isinstance(value, str) and 10 <= len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment.timestamp() if moment.tzinfo is not None else None
    return None


def duration_ms(obj: dict, start: float | None, names: Mapping[str, str] | None = None) -> float | None:
    """Milliseconds from a duration field (`*_ms`, or seconds), or finished − started."""
    names = names_of(obj) if names is None else names
    value = value_of(obj, "duration_ms", names)
    if _number(value):
        return float(value)
    value = value_of(obj, "duration_s", names)
    if _number(value):
        return float(value) * 1000
    end = timestamp_seconds(value_of(obj, "finished", names))
    if start is not None and end is not None and end >= start:
        return round((end - start) * 1000, 3)
    return None


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1e15  # not NaN either


# --- A page of steps (/runs/<id>/steps) ------------------------------------------

KINDS_LISTED = 50  # kinds offered by the filter; a trace of a thousand kinds has no useful list
TIMELINE_UNITS = 1000  # the width of a timeline bar's SVG viewBox
MIN_BAR_UNITS = 4  # an instant still shows


@dataclass(frozen=True)
class StepsPage(Paged):
    """What /steps shows, as HTML or as JSON: one page of the steps that pass the filters."""

    pointer: str
    total: int  # steps that pass the filters
    offset: int
    steps: tuple[Step, ...]
    kinds: tuple[str, ...]  # every kind in the trace, for the filter
    span_ms: float | None  # from the first step's start to the last step's end: the timeline's width
    first_failure: Step | None
    errors_only: bool
    kind: str | None

    @property
    def shown(self) -> int:
        return len(self.steps)

    def bars(self) -> list[tuple[Step, float | None, float | None]]:
        """(step, x, width) of each step's bar on a timeline TIMELINE_UNITS wide; None where
        the step has no start."""
        rows: list[tuple[Step, float | None, float | None]] = []
        for step in self.steps:
            if step.start_ms is None or not self.span_ms:
                rows.append((step, None, None))
                continue
            x = step.start_ms / self.span_ms * TIMELINE_UNITS
            width = max(MIN_BAR_UNITS, (step.duration_ms or 0) / self.span_ms * TIMELINE_UNITS)
            x = max(0.0, min(x, TIMELINE_UNITS - MIN_BAR_UNITS))  # a step before the first one: at the start
            rows.append((step, round(x, 1), round(min(width, TIMELINE_UNITS - x), 1)))
        return rows

    def as_json(self) -> dict[str, object]:
        fields = ("index", "pointer", "kind", "name", "failed", "start_ms", "duration_ms")
        return {
            "pointer": self.pointer,
            "total": self.total,
            "offset": self.offset,
            "steps": [{name: getattr(step, name) for name in fields} for step in self.steps],
        }


def page_of_steps(
    steps: list[Step], pointer: str, offset: int = 0, errors_only: bool = False, kind: str | None = None
) -> StepsPage:
    """Page `offset // PAGE_SIZE` of the `steps` (read_steps of the array at `pointer`) that
    failed (`errors_only`) and are of `kind`."""
    chosen = [step for step in steps if (not errors_only or step.failed) and (kind is None or step.kind == kind)]
    offset = page_start(offset, len(chosen))
    ends = [step.start_ms + (step.duration_ms or 0) for step in steps if step.start_ms is not None]
    return StepsPage(
        pointer=pointer,
        total=len(chosen),
        offset=offset,
        steps=tuple(chosen[offset : offset + PAGE_SIZE]),
        kinds=tuple(sorted({step.kind for step in steps if step.kind is not None}))[:KINDS_LISTED],
        span_ms=max(ends) if ends else None,
        first_failure=next((step for step in steps if step.failed), None),
        errors_only=errors_only,
        kind=kind,
    )
