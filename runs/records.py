"""Parsed records kept in memory, so subtrees and searches need no re-parse.

The run page puts the record it just fetched here; subtree and search
requests read it back, or parse the run's stored snapshot when this process
has not seen it (no new upstream call either way). The cache is bounded by
the memory its records take (RECORD_CACHE_BYTES, estimated from the size of
their JSON) and keyed by the snapshot's digest, so a newer fetch of the same
run replaces the old record.

Parsing a stored record is the costly part (a 10 MB record takes about 40 MB
at its peak), so requests that miss the cache for the same snapshot share one
parse, and at most RECORD_PARSES_AT_ONCE records are parsed at once per
process: a request that finds no free slot within RECORD_PARSE_WAIT_SECONDS
raises ParsesBusy, which the dashboard answers with a 503 and Retry-After.

A record's search index (most of a second's work for 50 MB) is built in a
background thread as soon as the record is kept, so that the first search
usually finds it ready; a search that comes during the build waits for that
build. A record that leaves the cache stops its build, and its index goes
with it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import cast

from django.conf import settings

from runs import jsonio
from runs.lru import SizedLRU
from runs.models import Snapshot
from runs.search import SearchIndex
from runs.steps import Step, read_steps
from runs.summary import Summary, summarise

logger = logging.getLogger(__name__)

# Memory a kept record takes per byte of its JSON: 2.9 for the parsed objects,
# 1.0 for the search index and 0.3 for the trace read as steps (tracemalloc, on
# bench.records' 1, 10 and 50 MB records; other shapes range from 0.3 for long
# escaped strings to 7 for small objects).
MEMORY_PER_JSON_BYTE = 4.5
STEP_ARRAYS_KEPT = 4  # arrays of a record kept read as steps (/steps?pointer= of others)
BACKGROUND_BUILD_DELAY = 0.1  # seconds between keeping a record and starting to index it


class ParsesBusy(Exception):
    """No parse slot came free within RECORD_PARSE_WAIT_SECONDS (the dashboard answers 503)."""


class _Dropped(Exception):
    """The record left the cache while its index was being built in the background."""


@dataclass
class ParsedRecord:
    run_id: str
    sha256: str
    size_bytes: int
    fetched_at: datetime
    record: dict
    _index: SearchIndex | None = field(default=None, repr=False)
    _index_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _dropped: threading.Event = field(default_factory=threading.Event, repr=False)
    _steps: dict[str, list[Step]] = field(default_factory=dict, repr=False)
    _steps_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def steps_at(self, pointer: str, items: list) -> list[Step]:
        """Every item of the array `items` at `pointer` read as a step, read once (the trace
        and a few other arrays are kept)."""
        steps = self._steps.get(pointer)
        if steps is None:
            steps = read_steps(items, pointer)
            with self._steps_lock:
                while len(self._steps) >= STEP_ARRAYS_KEPT:
                    self._steps.pop(next(iter(self._steps)))
                self._steps[pointer] = steps
        return steps

    @property
    def memory_bytes(self) -> int:
        """Estimated memory the record takes once kept, with its search index and steps."""
        return int(self.size_bytes * MEMORY_PER_JSON_BYTE)

    @cached_property
    def summary(self) -> Summary:
        """What the record says as a run (runs/summary.py), read once."""
        return summarise(self.record)

    @property
    def index_ready(self) -> bool:
        """True once the search index is built."""
        return self._index is not None

    def search_index(self) -> SearchIndex:
        """Return the record's search index, waiting for a build under way or building it now."""
        with self._index_lock:
            if self._index is None:
                self._index = self._build_index()
            return self._index

    def build_index_in_background(self) -> None:
        """Start building the search index in a daemon thread, unless it is built."""
        if self._index is None:
            name = f"search index {self.run_id}"
            threading.Thread(target=self._build_in_background, name=name, daemon=True).start()

    def drop(self) -> None:
        """Stop a background build: the record has left the cache (searches still work)."""
        self._dropped.set()

    def _build_in_background(self) -> None:
        # The page that kept the record is still being rendered, and this build
        # would slow it down: let it finish first (no one searches that soon).
        time.sleep(BACKGROUND_BUILD_DELAY)
        with self._index_lock:
            if self._index is not None or self._dropped.is_set():
                return
            try:
                self._index = self._build_index(checkpoint=self._carry_on, where=" in the background")
            except _Dropped:
                logger.debug("search index of run %s: build stopped, the record left the cache", self.run_id)
                return
        # Other processes answer parts and searches of it from these until they parse it.
        from runs import cold  # here: runs.cold reads records

        cold.keep_in_background(self)
        # The steps page reads every step of the trace (about 2 s for 48,000 steps): have them ready.
        trace = self.summary.trace
        if trace is not None and not self._dropped.is_set():
            self.steps_at(trace.pointer, trace.value)

    def _carry_on(self) -> None:
        if self._dropped.is_set():
            raise _Dropped

    def _build_index(self, checkpoint: Callable[[], None] | None = None, where: str = "") -> SearchIndex:
        started = time.perf_counter()
        index = SearchIndex(self.record, checkpoint)
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.debug("search index of run %s built%s in %.0f ms", self.run_id, where, elapsed_ms)
        return index


class ParseSlots:
    """At most RECORD_PARSES_AT_ONCE parses of stored records at a time, and the count of them.

    The setting is read at every take, so a test (or an operator's restart) can
    change it; the counts are what tests and benchmarks read.
    """

    def __init__(self) -> None:
        self._free = threading.Condition()
        self.under_way = 0  # parses running now
        self.most_at_once = 0  # the most ever running at once (since reset)
        self.parses = 0  # parses started (since reset)

    @contextmanager
    def taken(self, wait_seconds: float) -> Iterator[None]:
        """Hold a slot while the block runs; ParsesBusy if none comes free in `wait_seconds`."""
        with self._free:
            if not self._free.wait_for(lambda: self.under_way < settings.RECORD_PARSES_AT_ONCE, wait_seconds):
                raise ParsesBusy
            self.under_way += 1
            self.parses += 1
            self.most_at_once = max(self.most_at_once, self.under_way)
        try:
            yield
        finally:
            with self._free:
                self.under_way -= 1
                self._free.notify_all()

    def reset(self) -> None:
        """Start counting parses and the most at once afresh."""
        with self._free:
            self.most_at_once = self.under_way
            self.parses = 0


parse_slots = ParseSlots()


@dataclass
class _Flight:
    """One parse of a stored snapshot, which requests that miss the cache meanwhile wait for."""

    done: threading.Event = field(default_factory=threading.Event)
    landed: bool = False  # the parse ended without an error
    parsed: ParsedRecord | None = None  # what it read (None: the snapshot was gone)
    busy: bool = False  # it found no parse slot in time


_flights: dict[tuple[str, str], _Flight] = {}
_flights_lock = threading.Lock()

# Bounded by the memory of the records kept, estimated from their JSON's size.
_cache: SizedLRU[ParsedRecord] = SizedLRU(
    max_bytes=lambda: settings.RECORD_CACHE_BYTES,
    size_of=lambda parsed: parsed.memory_bytes,
    on_drop=ParsedRecord.drop,
)


def remember(parsed: ParsedRecord) -> None:
    """Keep a parsed record, evicting the least recently used beyond the size bound,
    and start building its search index (SEARCH_INDEX_IN_BACKGROUND, default on)."""
    parsed._dropped.clear()  # kept again, if it had been dropped
    _cache.put(parsed.run_id, parsed)
    if settings.SEARCH_INDEX_IN_BACKGROUND:
        parsed.build_index_in_background()


def stored_version(run_id: str) -> dict | None:
    """The digest and fetch time of the run's stored snapshot ({"sha256", "fetched_at"}), if any."""
    return Snapshot.objects.filter(run_id=run_id).values("sha256", "fetched_at").first()


def load(run_id: str, current: dict | None = None) -> ParsedRecord | None:
    """Return the run's last fetched record, parsed; None if none was stored.

    `current`: its stored_version, when the caller has just read it (one query fewer).
    Raises ParsesBusy if it had to be parsed and no parse slot came free in time.
    """
    if current is None:
        current = stored_version(run_id)
    if current is None:
        return None
    while True:
        cached = _cache.get(run_id)
        if cached is not None and cached.sha256 == current["sha256"]:
            # Another process may have fetched the same record again since.
            cached.fetched_at = current["fetched_at"]
            return cached
        flight, leading = _join_flight((run_id, current["sha256"]))
        if leading:
            return _lead(flight, run_id, current["sha256"])
        flight.done.wait()  # the leading request always ends its flight (_lead's finally)
        if flight.landed:
            return flight.parsed
        if flight.busy:
            raise ParsesBusy  # it waited for a slot as long as this request would
        # The leading request failed (its own database connection, say): try again.


def _join_flight(key: tuple[str, str]) -> tuple[_Flight, bool]:
    """The parse under way for `key`, or a new one; True if this request is to parse."""
    with _flights_lock:
        flight = _flights.get(key)
        if flight is not None:
            return flight, False
        flight = _flights[key] = _Flight()
        return flight, True


def _lead(flight: _Flight, run_id: str, sha256: str) -> ParsedRecord | None:
    try:
        flight.parsed = _parse_stored(run_id)
        flight.landed = True
        return flight.parsed
    except ParsesBusy:
        flight.busy = True
        raise
    finally:
        with _flights_lock:
            del _flights[run_id, sha256]
        flight.done.set()


def _parse_stored(run_id: str) -> ParsedRecord | None:
    """Parse the run's stored snapshot in a parse slot and keep it; None if none is stored."""
    with parse_slots.taken(settings.RECORD_PARSE_WAIT_SECONDS):
        snapshot = Snapshot.objects.filter(run_id=run_id).only("body", "encoding", "sha256", "fetched_at").first()
        if snapshot is None:
            return None
        started = time.perf_counter()
        body = snapshot.original_body()
        parsed = ParsedRecord(
            run_id=run_id,
            sha256=snapshot.sha256,
            size_bytes=len(body),
            fetched_at=snapshot.fetched_at,
            # Valid when stored, and an object: only a RunFound record is stored.
            record=cast(dict, jsonio.parse(body)),
        )
        del body, snapshot  # the record is what stays; the bytes can go before the slot is free
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.debug("record of run %s parsed from its snapshot in %.0f ms", run_id, elapsed_ms)
    remember(parsed)
    return parsed


def kept(run_id: str, sha256: str | None = None) -> ParsedRecord | None:
    """The run's record if this process keeps it parsed (and it is the one with digest `sha256`, if given)."""
    cached = _cache.get(run_id)
    return cached if cached is not None and sha256 in (None, cached.sha256) else None


def forget_all() -> None:
    """Empty the cache (tests use this to force a read from the database)."""
    _cache.clear()
