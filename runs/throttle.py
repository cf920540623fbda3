"""Throttles: lookups per minute, viewer requests per minute, and lockouts after failed sign-ins.

Their records live in the database, so every process of the site (several
gunicorn workers, several dynos) counts the same rows: lookups from the
`Lookup` table the dashboard keeps anyway, failed sign-ins from
`SignInFailure` rows (an admin can see them, and delete them to lift a lockout).

Counting and taking one more are one step for all processes: both happen
under a lock shared through the cache (runs.shared, CACHE_URL), and the
attempt is counted *before* the work it allows:

- a lookup reserves its place before asking Archal (a token held in the cache
  until its `Lookup` row is written, under the same lock), so
  LOOKUPS_PER_MINUTE=5 lets exactly 5 fetches through however many race;
- a sign-in writes its `SignInFailure` row before the password is checked
  (deleted again if the password is right), so 10 racing guesses for one
  username from one address, with a limit of 5, get 5 password checks.

With the default local-memory cache the lock is per process: one process is
exact, several count the same rows but can overshoot by the requests they
have in flight at once.

Viewer requests (subtrees, search, pages of steps: parts of a stored record)
are counted in the cache alone (shared.count_one): shared by every process
with CACHE_URL, one count per process without it.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, TypeVar

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from runs import shared
from runs.models import LOOKUP_WINDOW, Lookup, SignInFailure
from runs.outcomes import LookupOutcome, LookupsThrottled

T = TypeVar("T")


def client_address(request: HttpRequest) -> str:
    """Return the address of the client that made `request`.

    Behind a Heroku-style router, REMOTE_ADDR is the router's; the router
    appends the address that connected to it to X-Forwarded-For. Entries
    before the last TRUSTED_PROXIES ones were written by the client and are
    ignored, since anyone can send that header. IPv6 addresses count by their /64.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXIES
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            remote = forwarded[-hops]
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return "0.0.0.0"  # not an address; all such clients share one budget
    if address.version == 6:
        # One IPv6 client usually holds a whole /64: count its addresses as one.
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


# --- Lookups ------------------------------------------------------------------


@dataclass
class LookupReservation:
    """One lookup's place in its person's (or address's) minute, taken before the fetch."""

    name: str | None  # the lock and held tokens of this person or address; None: no limit
    token: str = field(default_factory=shared.new_token)

    def settle(self, record: Callable[[], T]) -> T:
        """Run `record` (which writes the lookup's row) and give the place back, under the
        lock that counts them, so the row and the reservation are never counted twice nor missed."""
        if self.name is None:
            return record()
        with shared.locked(self.name):
            result = record()
            shared.Held(self.name).remove(self.token)
            self.name = None
        return result

    def cancel(self) -> None:
        """Give the place back without a row (the fetch raised); nothing if already settled."""
        if self.name is not None:
            with shared.locked(self.name):
                shared.Held(self.name).remove(self.token)
            self.name = None


def reserve_lookup(request: HttpRequest) -> LookupReservation | LookupsThrottled:
    """Take one of this user's (or address's) lookups of this minute, or the refusal if none is left.

    Counted: the lookups recorded in the last minute but answers from a
    recent copy (they cost Archal nothing), and the lookups still in flight.
    """
    limit = settings.LOOKUPS_PER_MINUTE
    if limit <= 0:
        return LookupReservation(None)
    recent = Lookup.objects.exclude(outcome=LookupOutcome.RECENT_COPY)
    if request.user.is_authenticated:
        recent, name, per = recent.filter(user=request.user), f"lookups:user:{request.user.pk}", "person"
    else:
        address = client_address(request)
        recent, name, per = recent.filter(user__isnull=True, client_address=address), f"lookups:address:{address}", "address"
    with shared.locked(name):
        held = shared.Held(name)
        in_flight = len(held.live())
        now = timezone.now()
        if in_flight >= limit:
            # Each finishes within the flight's deadline and is then a row of this minute.
            wait = math.ceil(LOOKUP_WINDOW.total_seconds())
        else:
            # In-flight lookups are the newest; the rest of the limit is counted from rows.
            recent = recent.filter(looked_up_at__gt=now - LOOKUP_WINDOW)
            wait = _seconds_until_below(recent, "looked_up_at", limit - in_flight, LOOKUP_WINDOW, now)
        if wait:
            return LookupsThrottled(retry_after=wait, limit=limit, per=per)
        reservation = LookupReservation(name)
        held.add(reservation.token, _lookup_seconds())
        return reservation


def _lookup_seconds() -> float:
    # A reservation outlives its lookup: waiting for another's fetch, then its own, then the row.
    return 2 * (settings.ARCHAL_TIMEOUT + settings.ARCHAL_CONNECT_TIMEOUT + 10)


# --- Viewer requests ------------------------------------------------------------

VIEWER_WINDOW = timedelta(minutes=1)  # what VIEWER_REQUESTS_PER_MINUTE counts


@dataclass(frozen=True)
class ViewerThrottled:
    """Not answered: this person (or address) used up VIEWER_REQUESTS_PER_MINUTE."""

    retry_after: int  # seconds
    limit: int
    per: str  # "person" or "address"


def take_viewer_request(request: HttpRequest) -> ViewerThrottled | None:
    """Count one request for a part of a stored record (a subtree, a search, a page of
    steps) against this user's (or address's) minute; the refusal if none is left.

    Counted in the shared cache, not the database: these cost Archal nothing,
    are many (Expand all sends up to a hundred), and need no trail.
    """
    limit = settings.VIEWER_REQUESTS_PER_MINUTE
    if limit <= 0:
        return None
    if request.user.is_authenticated:
        name, per = f"viewer:user:{request.user.pk}", "person"
    else:
        name, per = f"viewer:address:{client_address(request)}", "address"
    wait = shared.count_one(name, limit, VIEWER_WINDOW.total_seconds())
    return ViewerThrottled(retry_after=wait, limit=limit, per=per) if wait else None


# --- Sign-in failures ---------------------------------------------------------


@dataclass(frozen=True)
class SignInLockout:
    """Why a sign-in is refused, and for how long."""

    seconds: int
    scope: Literal["account from address", "address"]  # what is locked


@dataclass(frozen=True)
class SignInAttempt:
    """A sign-in let through to its password check, already counted as a failure."""

    failure: SignInFailure  # deleted again if the password is right
    slowdown_seconds: float  # to wait before checking the password (its username is being guessed at)


def signin_lockout(username: str, address: str) -> SignInLockout | None:
    """Return why `username` may not try to sign in from `address` now, or None if it may.

    Locked are the (username, address) pair, after SIGNIN_FAILURES_PER_USERNAME
    failures, and the address, after SIGNIN_FAILURES_PER_ADDRESS across
    usernames. A username on its own is never locked (issue 14: guesses from
    other addresses would lock out its owner); `signin_slowdown` slows it instead.
    """
    window = timedelta(seconds=settings.SIGNIN_LOCKOUT_SECONDS)
    now = timezone.now()
    from_address = SignInFailure.objects.filter(failed_at__gt=now - window, client_address=address)
    pair = _seconds_until_below(
        from_address.filter(username=_normal(username)), "failed_at", settings.SIGNIN_FAILURES_PER_USERNAME, window, now,
    )
    whole_address = _seconds_until_below(from_address, "failed_at", settings.SIGNIN_FAILURES_PER_ADDRESS, window, now)
    if whole_address and whole_address >= pair:
        return SignInLockout(whole_address, "address")
    if pair:
        return SignInLockout(pair, "account from address")
    return None


# The first slowed check's wait; each failure after it doubles the wait.
SLOWDOWN_FIRST_SECONDS = 0.5


def signin_slowdown(recent_failures: int) -> float:
    """Seconds to wait before checking a password of a username with `recent_failures` (all addresses).

    0 below SIGNIN_FAILURES_PER_USERNAME; then 0.5 s, doubling with each
    further failure, up to SIGNIN_SLOWDOWN_MAX_SECONDS. Bounded, so the
    account's owner still gets in while it is being guessed at.
    """
    limit, most = settings.SIGNIN_FAILURES_PER_USERNAME, settings.SIGNIN_SLOWDOWN_MAX_SECONDS
    if limit <= 0 or most <= 0 or recent_failures < limit:
        return 0.0
    extra = min(recent_failures - limit, 32)  # 2**32 half-seconds is past any cap
    return float(min(most, SLOWDOWN_FIRST_SECONDS * 2**extra))


def begin_signin(username: str, address: str) -> SignInLockout | SignInAttempt:
    """Count one sign-in attempt as failed before its password is checked, or refuse it.

    Checking the lockout, counting the username's failures for its slow-down
    and writing the row happen under the username's and the address's locks
    (always taken in that order), so racing attempts are counted one by one:
    exactly SIGNIN_FAILURES_PER_USERNAME checks per pair, and racing guesses
    from many addresses are each given a longer wait than the last. The caller
    waits the slow-down after the locks are released (runs/signin.py).
    """
    with shared.locked(f"signin:username:{_normal(username)}"), shared.locked(f"signin:address:{address}"):
        lockout = signin_lockout(username, address)
        if lockout is not None:
            return lockout
        now = timezone.now()
        window_start = now - timedelta(seconds=settings.SIGNIN_LOCKOUT_SECONDS)
        recent_failures = SignInFailure.objects.filter(username=_normal(username), failed_at__gt=window_start).count()
        failure = SignInFailure.objects.create(username=_normal(username), client_address=address, failed_at=now)
    SignInFailure.objects.filter(failed_at__lte=window_start).delete()
    return SignInAttempt(failure, signin_slowdown(recent_failures))


def signin_succeeded(username: str, address: str) -> None:
    """A successful sign-in clears its username's failures from its own address, this attempt's
    row among them. Failures from other addresses stay: they are someone else's guesses, and
    keep the username slowed for the rest of their window."""
    SignInFailure.objects.filter(username=_normal(username), client_address=address).delete()


def _normal(username: str) -> str:
    # Case-insensitive, so "Alice" and "alice" share one budget; cut to the column.
    return username.casefold()[: SignInFailure._meta.get_field("username").max_length]


def _seconds_until_below(
    events: QuerySet, field: str, limit: int, window: timedelta, now: datetime
) -> int:
    """Seconds until fewer than `limit` of `events` fall within `window`; 0 if already."""
    if limit <= 0:
        return 0
    # The limit-th newest event: once it leaves the window, one more is allowed.
    edge = list(events.order_by(f"-{field}").values_list(field, flat=True)[limit - 1 : limit])
    if not edge:
        return 0
    return max(1, math.ceil((edge[0] + window - now).total_seconds()))
