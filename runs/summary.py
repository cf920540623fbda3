"""What a run record says at a glance: status, score, what ran, when, the criteria and the steps.

Pure: parsed JSON in, dataclasses out, no request, model or HTML. Fields are
recognised by name (runs/roles.py) and by shape; a field of an unexpected
type is skipped, never trusted. A record with none of them gives an empty
Summary, and the page shows no summary at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict, TypeGuard

from runs import verdicts
from runs.paths import json_pointer, pointer_tokens, positions_of
from runs.roles import Fact, arrays_near_top, near_top
from runs.roles import field as field_of
from runs.steps import Step, duration_ms, failed_indices, find_trace, objects_share, read_steps, timestamp_seconds

EVIDENCE_STRINGS = 200  # strings under one criterion checked for being pointers into the record
FIRST_STEPS = 10  # steps the run page shows; /steps shows them all


@dataclass(frozen=True)
class Criterion:
    pointer: str
    description: Fact | None
    verdict: str  # verdicts.PASSED, FAILED or NEUTRAL
    verdict_fact: Fact | None
    kind: str | None  # "D" or "P" (or the record's own word)
    score: Fact | None
    explanation: Fact | None
    evidence: tuple[str, ...]  # JSON Pointers into the record

    @property
    def label(self) -> str | None:
        """The description as shown: without the "[D]"/"[P]" tag the kind already says."""
        if self.description is None:
            return None
        text = str(self.description.value)
        for tag in ("[D]", "[P]"):
            text = text.removeprefix(tag).removesuffix(tag)
        return text.strip()


@dataclass(frozen=True)
class Summary:
    status: Fact | None = None
    verdict: str = verdicts.NEUTRAL
    score: Fact | None = None
    threshold: Fact | None = None
    scenario: Fact | None = None
    agent: Fact | None = None
    model: Fact | None = None
    started: Fact | None = None
    finished: Fact | None = None
    duration_ms: float | None = None
    duration: Fact | None = None  # where the duration came from, if a field
    errors: int | None = None
    error: Fact | None = None
    criteria: tuple[Criterion, ...] = ()
    criteria_pointer: str | None = None
    trace: Fact[list] | None = None
    step_count: int = 0
    failed_step_count: int = 0
    first_failure: Step | None = None
    first_steps: tuple[Step, ...] = field(default=(), repr=False)

    @property
    def failed_criteria(self) -> list[Criterion]:
        return [criterion for criterion in self.criteria if criterion.verdict == verdicts.FAILED]

    @property
    def passed_criteria(self) -> list[Criterion]:
        return [criterion for criterion in self.criteria if criterion.verdict == verdicts.PASSED]

    @property
    def first_step_rows(self) -> list[tuple[Step, None, None]]:
        """The first steps as rows of the steps table (runs/_steps_table.html), without bars."""
        return [(step, None, None) for step in self.first_steps]

    @property
    def is_empty(self) -> bool:
        return self == Summary()


def _is_text(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def summarise(record: object) -> Summary:
    """Everything the run page's summary, criteria and steps regions show of `record`."""
    status = near_top(record, "status", _is_text) or near_top(record, "passed", lambda v: isinstance(v, bool))
    started = near_top(record, "started", lambda v: timestamp_seconds(v) is not None)
    finished = near_top(record, "finished", lambda v: timestamp_seconds(v) is not None)
    criteria_array = _criteria_array(record)
    trace = find_trace(record)
    duration = near_top(record, "duration_ms", _is_number) or near_top(record, "duration_s", _is_number)
    return Summary(
        status=status,
        verdict=verdicts.meaning(status.value) if status else verdicts.NEUTRAL,
        score=near_top(record, "score", _is_number),
        threshold=near_top(record, "threshold", _is_number),
        scenario=_named(record, "scenario"),
        agent=_named(record, "agent"),
        model=_model(record),
        started=started,
        finished=finished,
        duration_ms=_run_duration(record, started),
        duration=duration,
        **_errors(record),
        criteria=_criteria(record, criteria_array, trace) if criteria_array else (),
        criteria_pointer=criteria_array.pointer if criteria_array else None,
        **_steps(trace),
    )


class _StepsFound(TypedDict, total=False):
    trace: Fact[list]
    step_count: int
    failed_step_count: int
    first_failure: Step | None
    first_steps: tuple[Step, ...]


def _steps(trace: Fact[list] | None) -> _StepsFound:
    """The trace's size, its failures and its first steps; reading every step whole is the steps
    page's work (and ten times this)."""
    if trace is None:
        return {}
    failed = failed_indices(trace.value)
    return {
        "trace": trace,
        "step_count": len(trace.value),
        "failed_step_count": len(failed),
        "first_failure": read_steps(trace.value, trace.pointer, failed[0], failed[0] + 1)[0] if failed else None,
        "first_steps": tuple(read_steps(trace.value, trace.pointer, 0, FIRST_STEPS)),
    }


def _named(record: object, role: str) -> Fact | None:
    """The name of the scenario (or agent): its name/title, or the field itself when a string."""
    fact = near_top(record, role, lambda v: isinstance(v, (dict, str)))
    if fact is None:
        return None
    if isinstance(fact.value, str):
        return fact if fact.value else None
    name = field_of(fact.value, "title", fact.pointer)
    return name if name is not None and _is_text(name.value) else None


def _model(record: object) -> Fact | None:
    agent = near_top(record, "agent", lambda v: isinstance(v, dict))
    if agent is not None:
        model = field_of(agent.value, "model", agent.pointer)
        if model is not None and _is_text(model.value):
            return model
    return near_top(record, "model", _is_text)


def _run_duration(record: object, started: Fact | None) -> float | None:
    if not isinstance(record, dict):
        return None
    start = timestamp_seconds(started.value) if started else None
    found = duration_ms(record, start)
    if found is None:
        for value in record.values():
            if isinstance(value, dict) and (found := duration_ms(value, start)) is not None:
                break
    return found


class _ErrorsFound(TypedDict):
    errors: int | None
    error: Fact | None


def _errors(record: object) -> _ErrorsFound:
    """How many errors the run records at the top level: an error object or message counts one."""
    error = near_top(record, "error", lambda v: v not in (None, False, "", [], {}))
    if error is None:
        return {"errors": None, "error": None}
    return {"errors": len(error.value) if isinstance(error.value, list) else 1, "error": error}


# --- Criteria -------------------------------------------------------------------


def _criteria_array(record: object) -> Fact[list] | None:
    for fact in arrays_near_top(record, "criteria"):
        if objects_share(fact.value) >= 0.5:
            return fact
    return None


def _criteria(record: object, array: Fact[list], trace: Fact[list] | None) -> tuple[Criterion, ...]:
    criteria = [
        _criterion(record, item, json_pointer(array.pointer, index), trace)
        for index, item in enumerate(array.value)
        if isinstance(item, dict)
    ]
    # Failed first, then passed, then those that say neither; stable within each.
    order = {verdicts.FAILED: 0, verdicts.PASSED: 1, verdicts.NEUTRAL: 2}
    return tuple(sorted(criteria, key=lambda criterion: order[criterion.verdict]))


def _criterion(record: object, item: dict, pointer: str, trace: Fact[list] | None) -> Criterion:
    verdict_fact = field_of(item, "passed", pointer)
    if verdict_fact is None or not isinstance(verdict_fact.value, bool):
        verdict_fact = field_of(item, "status", pointer)
    description = field_of(item, "description", pointer)
    explanation = field_of(item, "explanation", pointer)
    score = field_of(item, "score", pointer)
    return Criterion(
        pointer=pointer,
        description=description if description is not None and isinstance(description.value, (str, int)) else None,
        verdict=verdicts.meaning(verdict_fact.value) if verdict_fact else verdicts.NEUTRAL,
        verdict_fact=verdict_fact,
        kind=_kind(item, description),
        score=score if score is not None and _is_number(score.value) else None,
        explanation=explanation if explanation is not None and _is_text(explanation.value) else None,
        evidence=tuple(_evidence(record, item, trace)),
    )


def _kind(item: dict, description: Fact | None) -> str | None:
    """D (checked against the clone's state) or P (judged by a model), from a kind field or a
    "[D]"/"[P]" tag in the description."""
    kind = field_of(item, "kind")
    if kind is not None and isinstance(kind.value, str) and kind.value:
        word = kind.value.strip("[]").casefold()
        if word in ("d", "deterministic"):
            return "D"
        if word in ("p", "probabilistic"):
            return "P"
        return kind.value
    text = description.value if description is not None and isinstance(description.value, str) else ""
    for tag in ("D", "P"):
        if text.startswith(f"[{tag}]") or text.endswith(f"[{tag}]"):
            return tag
    return None


def _evidence(record: object, item: dict, trace: Fact[list] | None) -> list[str]:
    """JSON Pointers under a criterion that resolve in the record, and steps it names by index."""
    found: list[str] = []
    stack: list[object] = [item]
    seen_strings = 0
    while stack and seen_strings < EVIDENCE_STRINGS:
        value = stack.pop()
        if isinstance(value, dict):
            step = field_of(value, "step_ref")
            if trace is not None and step is not None and _is_index(step.value, len(trace.value)):
                found.append(json_pointer(trace.pointer, step.value))
            stack.extend(reversed(list(value.values())))
        elif isinstance(value, list):
            stack.extend(reversed(value))
        elif isinstance(value, str) and value.startswith("/"):
            seen_strings += 1
            if _resolves(record, value):
                found.append(value)
    return list(dict.fromkeys(found))


def _is_index(value: object, length: int) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < length


def _resolves(record: object, pointer: str) -> bool:
    try:
        pointer_tokens(pointer)
        positions_of(record, pointer)
    except (KeyError, ValueError):
        return False
    return True
