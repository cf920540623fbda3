"""Recognising a record's fields by name: one table of roles and their spellings.

A run record's schema is open, so fields are found by what they are called,
never assumed. Each role lists its spellings in snake_case; a key matches
whatever its case or separators (`started_at`, `startedAt`, `started-at`,
`STARTED_AT`). Adding a spelling is one word here. The finders return the
value together with the JSON Pointer it came from, so every page that shows a
fact can link to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Generic, cast

from typing_extensions import TypeVar

from runs.paths import json_pointer

SPELLINGS: dict[str, tuple[str, ...]] = {
    # The run
    "status": ("status", "state", "outcome", "result", "conclusion", "verdict"),
    "passed": ("passed", "pass", "success", "ok"),
    "score": ("score", "satisfaction", "satisfaction_score"),
    "threshold": ("pass_threshold", "threshold"),
    "scenario": ("scenario", "task", "test_case"),
    "agent": ("agent",),
    "title": ("name", "title"),
    "model": ("model", "model_name"),
    "started": ("started_at", "start_time", "start", "timestamp", "time", "ts", "created_at"),
    "finished": ("finished_at", "ended_at", "end_time", "completed_at", "end"),
    "duration_ms": ("duration_ms", "elapsed_ms", "latency_ms"),
    "duration_s": ("duration", "elapsed", "duration_s", "duration_seconds"),
    "error": ("error", "errors", "exception"),
    # Criteria
    "criteria": ("criteria", "checks", "evaluations", "assertions", "results"),
    "description": ("description", "name", "title", "id"),
    "kind": ("kind", "type", "event", "category"),
    "explanation": ("reason", "explanation", "rationale", "details", "message"),
    "step_ref": ("step", "step_index", "at_step"),
    # Steps
    "trace": ("trace", "steps", "events", "spans", "timeline", "transcript", "messages"),
    "tool": ("tool", "tool_name", "name", "function"),
    "method": ("method",),
    "url": ("url", "path", "endpoint"),
    "request": ("request",),
    "response": ("response",),
}


@lru_cache(maxsize=65536)
def normal(key: str) -> str:
    """`key` without case or separators: started_at, startedAt and Started-At are alike."""
    return key.replace("_", "").replace("-", "").replace(" ", "").casefold()


ROLE_KEYS: dict[str, tuple[str, ...]] = {
    role: tuple(normal(spelling) for spelling in spellings) for role, spellings in SPELLINGS.items()
}


V = TypeVar("V", default=object)


@dataclass(frozen=True)
class Fact(Generic[V]):
    """A value found in the record, and where: its JSON Pointer. Fact[list]: an array's."""

    value: V
    pointer: str


def names_of(obj: dict) -> Mapping[str, str]:
    """Each key of `obj` by its normal() spelling (the first key, when two share one)."""
    return _names_of_keys(tuple(obj))


@lru_cache(maxsize=4096)
def _names_of_keys(keys: tuple[str, ...]) -> Mapping[str, str]:
    # The steps of one trace share a handful of key sets: each is worked out once.
    names: dict[str, str] = {}
    for key in keys:
        names.setdefault(normal(key), key)
    return MappingProxyType(names)  # shared between calls: read-only


def field(obj: object, role: str, pointer: str = "", names: Mapping[str, str] | None = None) -> Fact | None:
    """The first key of `obj` (an object at `pointer`) spelled as `role`, in the role's order.

    `names`: names_of(obj), when several roles are looked up in one object."""
    if not isinstance(obj, dict):
        return None
    if names is None:
        names = names_of(obj)
    for name in ROLE_KEYS[role]:
        if name in names:
            key = names[name]
            return Fact(obj[key], json_pointer(pointer, key))
    return None


MISSING = object()


def key_of(names: Mapping[str, str], role: str) -> str | None:
    """The key spelled as `role` among `names` (names_of an object), in the role's order."""
    for name in ROLE_KEYS[role]:
        if name in names:
            return names[name]
    return None


@lru_cache(maxsize=4096)
def keys_for(keys: tuple[str, ...], roles: tuple[str, ...]) -> tuple[str | None, ...]:
    """The key of each of `roles` in an object with these `keys`: worked out once per key set,
    which the items of one array mostly share."""
    names = _names_of_keys(keys)
    return tuple(key_of(names, role) for role in roles)


def value_of(obj: dict, role: str, names: Mapping[str, str]) -> object:
    """The value of the first key of `obj` spelled as `role`, or MISSING: field() without the pointer."""
    for name in ROLE_KEYS[role]:
        if name in names:
            return obj[names[name]]
    return MISSING


def near_top(record: object, role: str, accept: Callable[[object], bool] = lambda value: True) -> Fact | None:
    """The first field spelled as `role` that `accept`s its value: at the top level of the
    record, else one level down (in record order)."""
    for obj, pointer in _top_and_children(record):
        fact = field(obj, role, pointer)
        if fact is not None and accept(fact.value):
            return fact
    return None


def arrays_near_top(record: object, role: str) -> Iterator[Fact[list]]:
    """Every array spelled as `role` at the top level or one level down."""
    for obj, pointer in _top_and_children(record):
        fact = field(obj, role, pointer)
        if fact is not None and isinstance(fact.value, list):
            yield cast("Fact[list]", fact)


def _top_and_children(record: object) -> Iterator[tuple[dict, str]]:
    if not isinstance(record, dict):
        return
    yield record, ""
    for key, value in record.items():
        if isinstance(value, dict):
            yield value, json_pointer("", key)
