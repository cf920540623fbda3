"""Which keys a comparison of two runs ignores: the fields that differ between any two runs.

Two runs of one scenario differ in every timestamp, duration and generated ID,
and in the step numbers an inserted step shifts; compared as they are, the
real change drowns in those. A comparison therefore skips keys named like
them (and says how many values that hid). The list is data: names, matched
whatever their case or separators (runs/roles.py's `normal`: `duration_ms`,
`durationMs`), and `*` suffixes, matched with `_`, `-` or camelCase
(`*_at`: `started_at`, `started-at`, `startedAt`). `?ignore=a,b` sets it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from runs.roles import normal

DEFAULT_PATTERNS: tuple[str, ...] = (
    "*_at", "timestamp", "ts", "time", "*_time",  # when
    "duration", "duration_ms", "elapsed_ms", "latency_ms",  # how long
    "id", "*_id",  # generated IDs: run_…, call_…, req_…
    "index",  # a step's number, shifted by every step inserted before it
)
MAX_PATTERNS = 50
MAX_PATTERN_CHARS = 100


@dataclass(frozen=True)
class Ignore:
    """Keys whose values a comparison skips."""

    patterns: tuple[str, ...] = ()
    _names: frozenset[str] = field(init=False, repr=False, compare=False)
    _suffixes: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)
    _memo: dict[str, bool] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        names = {normal(p) for p in self.patterns if not p.startswith("*")}
        suffixes = tuple(_suffix_forms(p[1:]) for p in self.patterns if p.startswith("*") and len(p) > 1)
        object.__setattr__(self, "_names", frozenset(names))
        object.__setattr__(self, "_suffixes", suffixes)

    def hides(self, key: str) -> bool:
        """Whether values under `key` are skipped."""
        hidden = self._memo.get(key)
        if hidden is None:
            hidden = self._match(key)
            if len(self._memo) < 100_000:  # keys repeat; a record of unique keys must not grow this forever
                self._memo[key] = hidden
        return hidden

    def _match(self, key: str) -> bool:
        if len(key) > 200:
            return False
        if normal(key) in self._names:
            return True
        lowered = key.casefold()
        for separated, camel in self._suffixes:
            separated_match = lowered.endswith(separated) or lowered.endswith(separated.replace("_", "-"))
            if separated_match and len(key) > len(separated):
                return True
            if camel and key.endswith(camel) and len(key) > len(camel) and key[-len(camel) - 1].islower():
                return True
        return False

    def hides_in(self, text: bytes) -> bool:
        """Whether compact JSON text (orjson's) holds a key this list hides (keys that need escapes
        in JSON are not looked at). Three times faster than finding them with one pattern."""
        if not self.patterns:
            return False
        return any(self.hides(key.decode("utf-8", "replace")) for key in set(KEY_IN_JSON.findall(text)))

    @property
    def query(self) -> str:
        """The list as ?ignore= takes it."""
        return ",".join(self.patterns)


def _suffix_forms(suffix: str) -> tuple[str, str]:
    """`_at` → ("_at", "At"): the separated form (casefolded) and the camelCase one ("" if none)."""
    separated = suffix.casefold()
    words = suffix.lstrip("_-")
    camel = words[:1].upper() + words[1:] if suffix[:1] in "_-" and words else ""
    return separated, camel


# A key in compact JSON text (orjson's): a quoted string followed by a colon. Inside a string a
# quote is always escaped, so `":` ends a key and nothing else; keys that need escapes, or are
# longer than `hides` looks at, are not found.
KEY_IN_JSON = re.compile(rb'"([^"\\]{1,200})":')


DEFAULT = Ignore(DEFAULT_PATTERNS)
NOTHING = Ignore(())


def parse_ignore(text: str | None) -> Ignore:
    """The list `?ignore=` names: None (absent) is the default, "" ignores nothing. Blank entries
    are dropped; at most MAX_PATTERNS of MAX_PATTERN_CHARS characters each are kept."""
    if text is None:
        return DEFAULT
    patterns = [part.strip()[:MAX_PATTERN_CHARS] for part in text.split(",")]
    return Ignore(tuple(dict.fromkeys(p for p in patterns if p and p != "*"))[:MAX_PATTERNS])
