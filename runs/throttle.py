"""Throttles: lookups per minute, and lockouts after failed sign-ins.

Their state lives in the database, not in a per-process cache: the site may
run as several gunicorn processes (and several dynos), and a limit kept per
process would be multiplied by their number. Lookups are counted from the
`Lookup` table the dashboard keeps anyway; failed sign-ins from
`SignInFailure` rows.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from runs.models import Lookup, SignInFailure
from runs.outcomes import LookupOutcome, LookupsThrottled

LOOKUP_WINDOW = timedelta(minutes=1)


def client_address(request: HttpRequest) -> str:
    """Return the address of the client that made `request`.

    Behind a Heroku-style router, REMOTE_ADDR is the router's; the router
    appends the address that connected to it to X-Forwarded-For. Entries
    before the last TRUSTED_PROXIES ones were written by the client and are
    ignored, since anyone can send that header.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXIES
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            remote = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return "0.0.0.0"  # not an address; all such clients share one budget


# --- Lookups ------------------------------------------------------------------


def lookup_refusal(request: HttpRequest) -> LookupsThrottled | None:
    """The refusal of a lookup by this user (or address) if it used up this minute's lookups.

    Lookups are recorded when they finish, so requests still waiting on
    Archal are not counted: a burst of parallel requests can overshoot by at
    most the number the site serves at once (workers x threads).
    """
    limit = settings.LOOKUPS_PER_MINUTE
    if limit <= 0:
        return None
    now = timezone.now()
    # Answers from a recent copy cost Archal nothing, so they do not count.
    recent = Lookup.objects.filter(looked_up_at__gt=now - LOOKUP_WINDOW).exclude(
        outcome=LookupOutcome.RECENT_COPY
    )
    if request.user.is_authenticated:
        recent = recent.filter(user=request.user)
    else:
        recent = recent.filter(user__isnull=True, client_address=client_address(request))
    if wait := _seconds_until_below(recent, "looked_up_at", limit, LOOKUP_WINDOW, now):
        per = "person" if request.user.is_authenticated else "address"
        return LookupsThrottled(retry_after=wait, limit=limit, per=per)
    return None


# --- Sign-in failures ---------------------------------------------------------


def signin_wait(username: str, address: str) -> int:
    """Return the seconds until `username` may try to sign in from `address`; 0: now."""
    window = timedelta(seconds=settings.SIGNIN_LOCKOUT_SECONDS)
    now = timezone.now()
    recent = SignInFailure.objects.filter(failed_at__gt=now - window)
    return max(
        _seconds_until_below(
            recent.filter(username=_normal(username)), "failed_at",
            settings.SIGNIN_FAILURES_PER_USERNAME, window, now,
        ),
        _seconds_until_below(
            recent.filter(client_address=address), "failed_at",
            settings.SIGNIN_FAILURES_PER_ADDRESS, window, now,
        ),
    )


def record_signin_failure(username: str, address: str) -> None:
    """Remember one failed sign-in, and forget failures too old to matter."""
    now = timezone.now()
    SignInFailure.objects.create(username=_normal(username), client_address=address, failed_at=now)
    SignInFailure.objects.filter(
        failed_at__lte=now - timedelta(seconds=settings.SIGNIN_LOCKOUT_SECONDS)
    ).delete()


def forget_signin_failures(username: str) -> None:
    """A successful sign-in clears its username's failures (not its address's)."""
    SignInFailure.objects.filter(username=_normal(username)).delete()


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
