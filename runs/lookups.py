"""Answering a lookup: from a recent snapshot, from Archal, or from the snapshot when Archal fails.

- A run fetched less than RUN_CACHE_SECONDS ago is answered from its snapshot,
  without calling Archal (unless the person asks for a refresh).
- Otherwise Archal is asked. Requests for the same run that arrive while its
  fetch is in flight wait for that fetch instead of calling Archal again
  (within one process; each process has its own flights).
- When Archal fails (deadline, 5xx, connection, rate limit, an unusable
  answer) and a snapshot exists, the snapshot is the answer, marked as such.
  401, 403 and 404 are answers about the run or the token: they stand.
Every lookup is recorded, whichever way it was answered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from runs import records, throttle, upstream
from runs.models import Lookup, Snapshot
from runs.outcomes import meaning_of


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
    if not refresh and (recent := _recent(run_id)) is not None:
        Lookup.objects.record(
            run_id, None, user=request.user, client_address=throttle.client_address(request),
            size_bytes=recent.size_bytes,
        )
        return Answer(None, recent, Source.RECENT)
    if (refusal := throttle.lookup_refusal(request)) is not None:
        return Answer(refusal, None, Source.REFUSED)
    outcome = _flights.fetch(run_id)
    Lookup.objects.record(run_id, outcome, user=request.user, client_address=throttle.client_address(request))
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
    body = Snapshot.objects.filter(run_id=run_id).values_list("body", flat=True).first()
    return None if body is None else bytes(body)


def _recent(run_id: str) -> records.ParsedRecord | None:
    max_age = settings.RUN_CACHE_SECONDS
    if max_age <= 0:
        return None
    since = timezone.now() - timedelta(seconds=max_age)
    if not Snapshot.objects.filter(run_id=run_id, fetched_at__gte=since).exists():
        return None
    return records.load(run_id)


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


class _Flights:
    """One fetch per run at a time; later callers wait for the first one's outcome.

    If the first caller's fetch raises instead of returning an outcome, the
    waiters have nothing to share: each tries again itself rather than being
    told that Archal timed out when it did not.
    """

    def __init__(self, fetch: Callable[[str], upstream.FetchOutcome]) -> None:
        self._fetch = fetch
        self._lock = threading.Lock()
        self._flights: dict[str, _Flight] = {}

    def fetch(self, run_id: str) -> upstream.FetchOutcome:
        with self._lock:
            flight = self._flights.get(run_id)
            leading = flight is None
            if flight is None:
                flight = self._flights[run_id] = _Flight()
        if not leading:
            # The leader's own deadline bounds this wait; the margin covers storing.
            landed = flight.done.wait(settings.ARCHAL_TIMEOUT + settings.ARCHAL_CONNECT_TIMEOUT + 10)
            if flight.outcome is not None:
                return flight.outcome
            return self.fetch(run_id) if landed else upstream.UpstreamTimeout()
        try:
            flight.outcome = self._fetch(run_id)
        finally:
            with self._lock:
                del self._flights[run_id]
            flight.done.set()
        return flight.outcome


_flights = _Flights(_fetch_and_keep)
