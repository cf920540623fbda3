"""Comparing two runs as the dashboard fetched them: both looked up as a run page looks one up,
and each comparison kept for the pages of it that follow.

Each side is one lookup (runs/lookups.py: recent copy, one fetch per run in
flight, the lookup limit, the stored copy when Archal fails; every lookup
recorded). A side without a record has a Problem from the outcome table. A
comparison is kept per pair of stored records and ignore list, bounded like
the parsed records it points into (RECORD_CACHE_BYTES, by their memory), so "… N more changes"
does not compare the two again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from runs import lookups
from runs.compare import Comparison, compare
from runs.lru import SizedLRU
from runs.models import Snapshot
from runs.outcomes import Problem, banner, meaning_of
from runs.records import ParsedRecord
from runs.volatile import Ignore


@dataclass(frozen=True)
class Side:
    label: str  # "A" or "B"
    run_id: str
    answer: lookups.Answer

    @property
    def parsed(self) -> ParsedRecord | None:
        return self.answer.parsed

    @property
    def problem(self) -> Problem | None:
        """Why this side has no record, if it has none."""
        if self.answer.parsed is not None:
            return None
        assert self.answer.outcome is not None  # an answer without a record has an outcome saying why
        return meaning_of(self.answer.outcome).problem(self.answer.outcome)

    @property
    def stale(self) -> str:
        """What the page says when the stored copy answered because Archal failed; "" otherwise."""
        if self.answer.source is not lookups.Source.STORED or self.answer.outcome is None:
            return ""
        return banner(self.answer.outcome)


def look_up_both(request: HttpRequest, a: str, b: str, kept: bool = False) -> tuple[Side, Side]:
    """Both runs, each looked up as the run page does (kept: the stored records, as later pages of
    a comparison read them, with a lookup only for a run not stored)."""
    look_up = lookups.look_up_kept if kept else lookups.look_up
    return Side("A", a, look_up(request, a)), Side("B", b, look_up(request, b))


def records_of(sides: tuple[Side, Side]) -> tuple[ParsedRecord, ParsedRecord]:
    """The two records, once both sides have one."""
    a, b = sides[0].parsed, sides[1].parsed
    assert a is not None and b is not None, "a side without a record has its own page"
    return a, b


_kept: SizedLRU[tuple[Comparison, int]] = SizedLRU(
    max_bytes=lambda: settings.RECORD_CACHE_BYTES,
    size_of=lambda kept: kept[1],
)


def comparison_of(a: ParsedRecord, b: ParsedRecord, ignore: Ignore) -> Comparison:
    """compare() of the two records, kept for the next page of it."""
    key = (a.run_id, a.sha256, b.run_id, b.sha256, ignore.patterns)
    kept = _kept.get(key)
    if kept is None:
        kept = _kept.put(key, (compare(a.record, b.record, ignore, a.summary, b.summary), a.memory_bytes + b.memory_bytes))
    return kept[0]


def kept(a: str, b: str, ignore: Ignore) -> Comparison | None:
    """The comparison kept for the two runs' stored records, found without reading them."""
    stored = dict(Snapshot.objects.filter(run_id__in=(a, b)).values_list("run_id", "sha256"))
    if a not in stored or b not in stored:
        return None
    found = _kept.get((a, stored[a], b, stored[b], ignore.patterns))
    return None if found is None else found[0]


def forget_all() -> None:
    """Drop every kept comparison (tests)."""
    _kept.clear()
