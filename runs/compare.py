"""How two run records differ: changes by JSON Pointer, steps aligned, what changed at a glance.

Pure: parsed JSON in, dataclasses out, no request, model or HTML. The walk
compares objects key by key (key order ignored) and aligns arrays
(runs/alignment.py); it skips what is equal before looking inside it, so its
work follows what differs, not the records' size: an unequal pair is opened,
an equal one is confirmed equal by C code (`==`, then orjson's bytes, which
tell `1` from `1.0` and `true`) and passed over. Keys the ignore list hides
(runs/volatile.py) are counted, not listed. An explicit stack, not recursion:
records nest thousands of levels deep.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from runs import verdicts
from runs.alignment import Alignment, align
from runs.paths import json_pointer
from runs.roles import Fact
from runs.sameness import collector_paused, known_same, same
from runs.steps import read_steps
from runs.summary import Summary, summarise
from runs.volatile import DEFAULT, Ignore

CHANGED, ADDED, REMOVED, MOVED = "changed", "added", "removed", "moved"
MAX_CHANGES = 100_000  # listed at most; two unrelated records could differ in millions of places


@dataclass(frozen=True)
class Change:
    """One difference: a value changed, added (only in B), removed (only in A), or an array item
    moved (its own changes, if any, follow it)."""

    kind: str
    a_pointer: str | None  # where it is in A; None when only in B
    b_pointer: str | None
    before: object = None  # A's value (removed, changed)
    after: object = None  # B's value (added, changed)
    # The object or array it lies in, as (pointer in A, pointer in B); None at the root. A value
    # only in B has no pointer in A, but its container has: the page groups changes by these.
    container: tuple[str, str] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class StepRow:
    """One row of the aligned steps: a step of both runs ("same", "changed", "moved"), of one
    ("only_a", "only_b"), or a run of `count` identical steps."""

    state: str
    a_index: int | None
    b_index: int | None
    count: int = 1
    changes: int = 0  # changes listed inside the step
    kind: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class StepsDiff:
    a_pointer: str
    b_pointer: str
    a_count: int
    b_count: int
    rows: tuple[StepRow, ...]

    @property
    def first_difference(self) -> StepRow | None:
        """The first row that is not identical steps."""
        return next((row for row in self.rows if row.state != "same"), None)

    @property
    def differences(self) -> int:
        return sum(row.state != "same" for row in self.rows)


@dataclass(frozen=True)
class GlanceRow:
    """A fact both runs state (status, score, …) before and after; `changed` if they differ."""

    label: str
    before: object
    after: object
    a_pointer: str | None
    b_pointer: str | None
    changed: bool
    form: str = "text"  # "duration": milliseconds; "count": a number of things; "verdict": passed/failed


@dataclass(frozen=True)
class Comparison:
    changes: tuple[Change, ...]
    ignore: Ignore
    hidden: int  # values that differed under ignored keys
    complete: bool  # False: more than MAX_CHANGES changes, the rest not listed
    glance: tuple[GlanceRow, ...] = ()
    flipped: tuple[GlanceRow, ...] = ()  # criteria whose verdict flipped
    steps: StepsDiff | None = None
    counts: dict[str, int] = field(default_factory=dict)
    # The two records compared: a page counts the unchanged children of the containers it shows.
    records: tuple[object, object] = field(default=(None, None), compare=False, repr=False)


def compare(a: object, b: object, ignore: Ignore = DEFAULT,
            summary_a: Summary | None = None, summary_b: Summary | None = None) -> Comparison:
    """How B differs from A (their summaries, if already read, save reading them again)."""
    summary_a = summarise(a) if summary_a is None else summary_a
    summary_b = summarise(b) if summary_b is None else summary_b
    trace_a, trace_b = summary_a.trace, summary_b.trace
    traces = (trace_a.pointer, trace_b.pointer) if trace_a and trace_b else None
    walk = _Walk(ignore, traces)
    with collector_paused():
        walk.run(a, b, "", "")
    steps = None
    if trace_a is not None and trace_b is not None:
        steps = _steps_diff(trace_a, trace_b, walk, ignore)
    counts = Counter(change.kind for change in walk.changes)
    return Comparison(
        changes=tuple(walk.changes),
        ignore=ignore,
        hidden=walk.hidden,
        complete=walk.complete,
        glance=tuple(_glance(summary_a, summary_b)),
        flipped=tuple(_flipped(summary_a, summary_b)),
        steps=steps,
        counts={kind: counts[kind] for kind in (CHANGED, ADDED, REMOVED, MOVED)},
        records=(a, b),
    )


# --- The walk ---------------------------------------------------------------------------

Task = tuple[object, object, str, str] | Change


class _Walk:
    def __init__(self, ignore: Ignore, keep: tuple[str, str] | None) -> None:
        self.ignore = ignore
        self.keep = keep  # the pointers of the arrays whose alignment to keep (the traces)
        self.kept: Alignment | None = None
        self.changes: list[Change] = []
        self.hidden = 0
        self.complete = True

    def run(self, a: object, b: object, a_pointer: str, b_pointer: str) -> None:
        if known_same(a, b):
            return
        stack: list[Task] = [(a, b, a_pointer, b_pointer)]  # pairs on it are known to differ
        while stack:
            task = stack.pop()
            if isinstance(task, Change):
                if len(self.changes) >= MAX_CHANGES:
                    self.complete = False
                    return
                self.changes.append(task)
                continue
            x, y, px, py = task
            if isinstance(x, dict) and isinstance(y, dict):
                tasks = self._object(x, y, px, py)
            elif isinstance(x, list) and isinstance(y, list):
                tasks = self._array(x, y, px, py)
            else:
                tasks = [Change(CHANGED, px, py, x, y)]
            stack.extend(reversed(tasks))

    def _object(self, x: dict, y: dict, px: str, py: str) -> list[Task]:
        tasks: list[Task] = []
        hides = self.ignore.hides
        where = (px, py)
        for key, value in x.items():
            if key in y:
                other = y[key]
                if known_same(value, other):
                    continue  # most keys: no pointer written, nothing stacked
                if hides(key):
                    self.hidden += not same(value, other)  # too deep for ==: compared slowly, once
                else:
                    tasks.append((value, other, json_pointer(px, key), json_pointer(py, key)))
            elif hides(key):
                self.hidden += 1
            else:
                tasks.append(Change(REMOVED, json_pointer(px, key), None, value, container=where))
        for key, value in y.items():
            if key not in x:
                if hides(key):
                    self.hidden += 1
                else:
                    tasks.append(Change(ADDED, None, json_pointer(py, key), after=value, container=where))
        return tasks

    def _array(self, x: list, y: list, px: str, py: str) -> list[Task]:
        alignment = align(x, y, self.ignore)
        if (px, py) == self.keep:
            self.kept = alignment
        tasks: list[Task] = []
        where = (px, py)
        for row, i, j in alignment.rows():
            if i is None:  # added
                assert j is not None
                tasks.append(Change(ADDED, None, json_pointer(py, j), after=y[j], container=where))
                continue
            a_at = json_pointer(px, i)
            if j is None:  # removed
                tasks.append(Change(REMOVED, a_at, None, x[i], container=where))
                continue
            if row == "moved":
                tasks.append(Change(MOVED, a_at, json_pointer(py, j), container=where))
            if not known_same(x[i], y[j]):
                tasks.append((x[i], y[j], a_at, json_pointer(py, j)))
        return tasks


# --- Steps ----------------------------------------------------------------------------------


def _steps_diff(trace_a: Fact[list], trace_b: Fact[list], walk: _Walk, ignore: Ignore) -> StepsDiff:
    """The traces' steps aligned, each row same or changed by the changes listed inside it."""
    alignment, changes = walk.kept, walk.changes
    if alignment is None and not same(trace_a.value, trace_b.value):
        # The traces sit at different places (or the walk stopped early): compare them alone.
        alone = _Walk(ignore, (trace_a.pointer, trace_b.pointer))
        alone.run(trace_a.value, trace_b.value, trace_a.pointer, trace_b.pointer)
        alignment, changes = alone.kept, alone.changes
    if alignment is None:  # identical traces
        alignment = Alignment(pairs=tuple((i, i) for i in range(len(trace_a.value))))
    inside_a = _changes_per_step(changes, trace_a.pointer, lambda change: change.a_pointer)
    inside_b = _changes_per_step(changes, trace_b.pointer, lambda change: change.b_pointer)
    rows: list[StepRow] = []
    for row, i, j in alignment.rows():
        if row == "pair" and i is not None and j is not None and not inside_a[i] and not inside_b[j]:
            last = rows[-1] if rows else None
            if last is not None and last.state == "same":
                rows[-1] = StepRow("same", last.a_index, last.b_index, last.count + 1)
            else:
                rows.append(StepRow("same", i, j))
            continue
        state = {"pair": "changed", "moved": "moved", "removed": "only_a", "added": "only_b"}[row]
        count = (inside_a[i] if i is not None else 0) or (inside_b[j] if j is not None else 0)
        rows.append(StepRow(state, i, j, changes=count))
    return StepsDiff(trace_a.pointer, trace_b.pointer, len(trace_a.value), len(trace_b.value),
                     tuple(_named(rows, trace_a, trace_b)))


def _changes_per_step(changes: list[Change], trace: str, side: Callable[[Change], str | None]) -> Counter[int]:
    """How many changes lie inside each step of the trace at `trace` (on A's side or B's), the
    step's own value changing counting too."""
    prefix = trace + "/"
    inside: Counter[int] = Counter()
    for change in changes:
        pointer = side(change)
        if pointer is None or not pointer.startswith(prefix) or change.kind == MOVED:
            continue
        rest = pointer[len(prefix):]
        token = rest.split("/", 1)[0]
        if ("/" in rest or change.kind == CHANGED) and token.isdigit():
            inside[int(token)] += 1
    return inside


def _named(rows: list[StepRow], trace_a: Fact[list], trace_b: Fact[list]) -> Iterator[StepRow]:
    """The rows with each step's kind and name (runs/steps.py), read only for the rows shown."""
    for row in rows:
        items, index = (trace_a, row.a_index) if row.a_index is not None else (trace_b, row.b_index)
        assert index is not None
        step = read_steps(items.value, items.pointer, index, index + 1)[0]
        yield StepRow(row.state, row.a_index, row.b_index, row.count, row.changes, step.kind, step.name)


# --- At a glance ----------------------------------------------------------------------------


def _glance(a: Summary, b: Summary) -> Iterator[GlanceRow]:
    """Status, score, duration and step count, where both runs state them."""
    for label, fact_a, fact_b in (("status", a.status, b.status), ("score", a.score, b.score)):
        if fact_a is not None and fact_b is not None:
            yield GlanceRow(label, fact_a.value, fact_b.value, fact_a.pointer, fact_b.pointer,
                            not same(fact_a.value, fact_b.value))
    if a.duration_ms is not None and b.duration_ms is not None:
        yield GlanceRow("duration", a.duration_ms, b.duration_ms, _pointer(a.duration or a.finished),
                        _pointer(b.duration or b.finished), a.duration_ms != b.duration_ms, form="duration")
    if a.trace is not None and b.trace is not None:
        yield GlanceRow("steps", a.step_count, b.step_count, a.trace.pointer, b.trace.pointer,
                        a.step_count != b.step_count, form="count")


def _pointer(fact: Fact | None) -> str | None:
    return None if fact is None else fact.pointer


def _flipped(a: Summary, b: Summary) -> Iterator[GlanceRow]:
    """Criteria (matched by description, else by place) passed in one run and failed in the other."""
    b_by_label = {criterion.label: criterion for criterion in b.criteria if criterion.label}
    b_by_pointer = {criterion.pointer: criterion for criterion in b.criteria}
    decided = {verdicts.PASSED, verdicts.FAILED}
    for criterion in a.criteria:
        other = b_by_label.get(criterion.label) if criterion.label else b_by_pointer.get(criterion.pointer)
        if other is None or {criterion.verdict, other.verdict} != decided:
            continue
        yield GlanceRow(criterion.label or criterion.pointer, criterion.verdict, other.verdict,
                        criterion.pointer, other.pointer, True, form="verdict")
