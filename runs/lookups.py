"""Answering a lookup: from a recent snapshot, from Archal, or from the snapshot when Archal fails.

- A run fetched less than RUN_CACHE_SECONDS ago is answered from its snapshot,
  without calling Archal (unless the person asks for a refresh).
- Otherwise Archal is asked. Requests for the same run that arrive while its
  fetch is in flight wait for that fetch instead of calling Archal again: the
  threads of one process wait on the first one's Event; that thread takes the
  run's flight lock shared by every process (runs.shared, CACHE_URL), or waits
  for the process that holds it to publish its outcome (a found record is in
  the snapshot it stored), bounded by the fetch's deadline.
- When Archal fails (deadline, 5xx, connection, rate limit, an unusable
  answer) and a snapshot exists, the snapshot is the answer, marked as such.
  401, 403 and 404 are answers about the run or the token: they stand.
Every lookup is recorded, whichever way it was answered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from runs import records, shared, throttle, upstream
from runs.models import Lookup, Snapshot, decode_body
from runs.outcomes import LookupsThrottled, meaning_of


class Source(Enum):
    ARCHAL = "archal"  # fetched just now
    RECENT = "recent"  # the snapshot, fresh enough not to ask Archal
    STORED = "stored"  # the snapshot, because Archal failed
    KEPT = "kept"  # the snapshot, for a part of a record a page already showed
    REFUSED = "refused"  # nothing: the lookup limit was reached


@dataclass(frozen=True)
class Answer:
    outcome: upstream.FetchOutcome | None  # what Archal said, or the refusal; None: a recent copy answered
    parsed: records.ParsedRecord | None  # the record to show, if there is one
    source: Source

    def body(self) -> bytes | None:
        """The record exactly as Archal sent it, if there is one."""
        if isinstance(self.outcome, upstream.RunFound):
            return self.outcome.body
        return None if self.parsed is None else stored_body(self.parsed.run_id)


def look_up(request: HttpRequest, run_id: str, refresh: bool = False) -> Answer:
    """Return the answer to one person's lookup of `run_id`, and record it (unless refused)."""
    # A fetch of this run that lands from now on answers this lookup as well as one of its own would.
    asked_at = time.time()
    if not refresh and (recent := _recent(run_id)) is not None:
        Lookup.objects.record(
            run_id, None, user=request.user, client_address=throttle.client_address(request),
            size_bytes=recent.size_bytes,
        )
        return Answer(None, recent, Source.RECENT)
    reservation = throttle.reserve_lookup(request)
    if isinstance(reservation, LookupsThrottled):
        return Answer(reservation, None, Source.REFUSED)
    try:
        outcome = _flights.fetch(run_id, asked_at)
    except BaseException:
        reservation.cancel()
        raise
    reservation.settle(lambda: Lookup.objects.record(
        run_id, outcome, user=request.user, client_address=throttle.client_address(request),
    ))
    if isinstance(outcome, upstream.RunFound):
        return Answer(outcome, records.load(run_id), Source.ARCHAL)
    if meaning_of(outcome).stored_copy_answers and (stored := records.load(run_id)) is not None:
        return Answer(outcome, stored, Source.STORED)
    return Answer(outcome, None, Source.ARCHAL)


def look_up_kept(request: HttpRequest, run_id: str) -> Answer:
    """The stored record, without a new lookup (parts of a record a page showed); a lookup
    when none is stored."""
    if (kept := records.load(run_id)) is not None:
        return Answer(None, kept, Source.KEPT)
    return look_up(request, run_id)


def stored_body(run_id: str) -> bytes | None:
    """The record of `run_id` exactly as Archal last sent it, if it is stored."""
    stored = Snapshot.objects.filter(run_id=run_id).values_list("body", "encoding").first()
    return None if stored is None else decode_body(*stored)


def _recent(run_id: str) -> records.ParsedRecord | None:
    max_age = settings.RUN_CACHE_SECONDS
    if max_age <= 0:
        return None
    current = records.stored_version(run_id)
    if current is None or current["fetched_at"] < timezone.now() - timedelta(seconds=max_age):
        return None
    return records.load(run_id, current)  # the snapshot just read: one query for a reload


def _fetch_and_keep(run_id: str) -> upstream.FetchOutcome:
    outcome = upstream.fetch_run(run_id)
    if isinstance(outcome, upstream.RunFound):
        stored = Snapshot.objects.store(run_id, outcome.body)
        records.remember(records.ParsedRecord(run_id=run_id, record=outcome.record, **stored))
    return outcome


class _Flight:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.outcome: upstream.FetchOutcome | None = None


def _flight_seconds() -> float:
    # The leader's own deadline bounds every wait on it; the margin covers storing the record.
    return settings.ARCHAL_TIMEOUT + settings.ARCHAL_CONNECT_TIMEOUT + 10


class _Flights:
    """One fetch per run at a time; later callers wait for the first one's outcome.

    Within a process, threads wait on the first thread's Event; that thread
    goes through `_shared_flight`, one fetch per run across processes.

    If the first caller's fetch raises instead of returning an outcome, the
    waiters have nothing to share: each tries again itself rather than being
    told that Archal timed out when it did not.
    """

    def __init__(self, fetch: Callable[[str], upstream.FetchOutcome]) -> None:
        self._fetch = fetch
        self._lock = threading.Lock()
        self._flights: dict[str, _Flight] = {}

    def fetch(self, run_id: str, asked_at: float) -> upstream.FetchOutcome:
        """The outcome of a fetch of `run_id` that lands after `asked_at` (time.time())."""
        with self._lock:
            flight = self._flights.get(run_id)
            leading = flight is None
            if flight is None:
                flight = self._flights[run_id] = _Flight()
        if not leading:
            landed = flight.done.wait(_flight_seconds())
            if flight.outcome is not None:
                return flight.outcome
            return self.fetch(run_id, asked_at) if landed else upstream.UpstreamTimeout()
        try:
            flight.outcome = _shared_flight(run_id, self._fetch, asked_at)
        finally:
            with self._lock:
                del self._flights[run_id]
            flight.done.set()
        return flight.outcome


@dataclass(frozen=True)
class _Landed:
    """What a process's fetch published for the others waiting on it."""

    token: str  # the flight lock's token
    finished: float  # time.time() when it landed
    outcome: upstream.FetchOutcome | None  # None: the record was found and stored (read the snapshot)


# How far apart two processes' clocks may be (dynos are NTP-synced) when a
# waiter that found the lock taken, then free, asks whether the flight that
# landed meanwhile is the one that was in the air.
_CLOCK_SKEW = 0.5


def _shared_flight(
    run_id: str, fetch: Callable[[str], upstream.FetchOutcome], asked_at: float,
) -> upstream.FetchOutcome:
    """Fetch `run_id` unless another process is fetching it, or has fetched it since
    `asked_at`; then wait for (or take) that fetch's outcome.

    The leader holds the run's lock (expiring after the fetch's deadline, so
    a killed worker cannot wedge the run), fetches, stores, then publishes
    what came of it and releases the lock. A waiter polls with a short
    backoff for the outcome of a leader it saw holding the lock; when the lock is gone
    with nothing published (the leader raised, or was killed and its lock
    expired), it takes the lock and fetches itself. Never longer than the
    fetch's deadline: then it is told Archal timed out, as one process would.
    """
    seconds = _flight_seconds()
    name = f"flight:{run_id}"
    give_up = time.monotonic() + seconds
    seen: set[str] = set()  # tokens of the leaders seen holding the lock
    gone: set[str] = set()  # tokens of landings whose stored record was gone when read
    in_the_air_at: float | None = None  # when the lock was first found taken
    pause = 0.005
    def answers_this(landed: object) -> bool:
        # A fetch that landed after this lookup began (between its look for a
        # recent copy and here) counts as well as one seen in the air. Its time is
        # another process's clock: skew costs at most one more fetch, or reuses one
        # that landed up to the skew before this lookup began.
        return isinstance(landed, _Landed) and landed.token not in gone and (
            landed.token in seen
            or landed.finished >= asked_at
            or (in_the_air_at is not None and landed.finished >= in_the_air_at)
        )

    while True:
        # Published before the lock is released: read it first, or a waiter that
        # slept through the landing would find the lock free and fetch again.
        landed = shared.published("landed", run_id)
        if answers_this(landed):
            if (outcome := _outcome_of(run_id, landed)) is not None:
                return outcome
            # Its stored record is gone already: wait for (or lead) a newer flight.
            gone.add(landed.token)
            in_the_air_at = time.time()
        lock = shared.try_lock(name, seconds)
        if lock is not None:
            # A flight may have landed and let go of the lock since the read above.
            landed = shared.published("landed", run_id)
            if answers_this(landed) and (outcome := _outcome_of(run_id, landed)) is not None:
                shared.release(lock)
                return outcome
            return _lead(run_id, fetch, lock)
        if in_the_air_at is None:
            in_the_air_at = time.time() - _CLOCK_SKEW
        if (leader := shared.holder(name)) is None:
            continue  # released just now: landed (published above), or the leader failed (then lead)
        seen.add(leader)
        if time.monotonic() > give_up:
            return upstream.UpstreamTimeout()
        time.sleep(pause)
        pause = min(pause * 1.5, shared.MAX_PAUSE)


def _lead(run_id: str, fetch: Callable[[str], upstream.FetchOutcome], lock: shared.Lock) -> upstream.FetchOutcome:
    try:
        outcome = fetch(run_id)
        if lock.held:
            found = isinstance(outcome, upstream.RunFound)
            # A found record is in the snapshot just stored: waiters read it there, not through the cache.
            landed = _Landed(lock.token, time.time(), None if found else outcome)
            shared.publish("landed", run_id, landed, _flight_seconds())
        return outcome
    finally:
        shared.release(lock)


def _outcome_of(run_id: str, landed: _Landed) -> upstream.FetchOutcome | None:
    """The outcome another process's fetch published; None if its stored record is gone."""
    if landed.outcome is not None:
        return landed.outcome
    parsed = records.load(run_id)
    body = stored_body(run_id)
    if parsed is None or body is None:
        return None
    return upstream.RunFound(record=parsed.record, body=body, status=200)


_flights = _Flights(_fetch_and_keep)
