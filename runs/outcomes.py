"""What each outcome of a lookup means: one row per outcome, read by pages, views and the model.

An outcome is what came of asking for a run: the upstream client's typed
answers (runs/upstream.py) and one of our own, a lookup refused by the lookup
limit. Each row says how the lookup is recorded, the page's status, title,
explanation and advice, the banner a run page shows when the stored copy
answers instead, and whether the stored copy may answer at all. Adding an
outcome is one class and one row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import models

from runs import upstream
from runs.upstream import FetchOutcome


class LookupOutcome(models.TextChoices):
    """How a lookup is recorded (`Lookup.outcome`)."""

    FOUND = "found", "Found"
    RECENT_COPY = "recent_copy", "Found (recent copy)"  # answered from the snapshot, no call
    NOT_FOUND = "not_found", "Not found"
    TOKEN_REJECTED = "token_rejected", "Token rejected"
    ACCESS_DENIED = "access_denied", "Access denied"
    RATE_LIMITED = "rate_limited", "Rate limited"
    TIMEOUT = "timeout", "Timed out"
    UPSTREAM_ERROR = "upstream_error", "Upstream error"
    NOT_CONFIGURED = "not_configured", "Not configured"


@dataclass(frozen=True, kw_only=True)
class LookupsThrottled(FetchOutcome):
    """Not fetched: this person (or address) used up LOOKUPS_PER_MINUTE."""

    retry_after: int  # seconds
    limit: int
    per: str  # "person" or "address"


@dataclass(frozen=True)
class Problem:
    """A page that says what went wrong and what to do (runs/errors.py renders it)."""

    status: int
    title: str
    explanation: str
    advice: str
    upstream_message: str = ""
    retry_after: int | None = None  # seconds, sent as Retry-After


O = TypeVar("O", bound=FetchOutcome)
Text = str | Callable[[O], str]  # fixed words, or words from the outcome's fields


@dataclass(frozen=True)
class Meaning(Generic[O]):
    """One row: what an outcome of class O means (its callables read O's own fields)."""

    recorded_as: LookupOutcome | None  # None: not recorded (nothing was asked)
    status: int
    title: str
    explanation: Text[O] = ""
    advice: Text[O] = ""
    banner: Text[O] | None = None  # over a stored copy shown instead; None: the title
    stored_copy_answers: bool = False  # a failure after which the stored record is still the best answer
    retry_after: Callable[[O], int | None] = field(default=lambda outcome: None)

    def problem(self, outcome: O) -> Problem:
        """The page for `outcome`, an outcome of this row."""
        return Problem(
            status=self.status,
            title=self.title,
            explanation=_say(self.explanation, outcome),
            advice=_say(self.advice, outcome),
            upstream_message=getattr(outcome, "message", ""),
            retry_after=self.retry_after(outcome),
        )


def _say(text: Text[O], outcome: O) -> str:
    return text if isinstance(text, str) else text(outcome)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _unusable(outcome: upstream.UpstreamFailed) -> str:
    if outcome.status is None:  # no answer at all, e.g. a refused connection
        return outcome.reason[:1].upper() + outcome.reason[1:]
    return f"Archal’s answer could not be used: {outcome.reason}"


# In order of status. A row whose callables read an outcome's fields names its
# class (Meaning[LookupsThrottled]) so those fields are checked.
MEANINGS: dict[type[FetchOutcome], Meaning[Any]] = {
    upstream.RunFound: Meaning(LookupOutcome.FOUND, 200, "Run found"),
    upstream.RunNotFound: Meaning(
        LookupOutcome.NOT_FOUND, 404, "Run not found",
        explanation="No run with this ID is visible to this dashboard’s Archal token.",
        advice="Check the ID for typos. A run of another Archal workspace is not visible here.",
    ),
    LookupsThrottled: Meaning[LookupsThrottled](
        None, 429, "Too many lookups",
        explanation=lambda o: f"This dashboard fetches at most {_plural(o.limit, 'run')} a minute per {o.per}, "
        "so that no one uses up the team’s Archal rate limit.",
        advice=lambda o: f"Try again in {_plural(o.retry_after, 'second')}.",
        # RFC 9110 §10.2.3 (RFC 6585 §4 for 429): when to come back, in seconds.
        retry_after=lambda o: o.retry_after,
    ),
    upstream.TokenRejected: Meaning(
        LookupOutcome.TOKEN_REJECTED, 502, "Archal rejected the dashboard’s token",
        explanation="The token is missing, invalid or expired.",
        advice="An admin must set a valid ARCHAL_TOKEN for this dashboard and restart it.",
    ),
    upstream.AccessDenied: Meaning(
        LookupOutcome.ACCESS_DENIED, 502, "No access to this run",
        explanation="The dashboard’s Archal token has no access to this run.",
        advice="Ask an admin whether the run belongs to another workspace or project.",
    ),
    upstream.UpstreamFailed: Meaning[upstream.UpstreamFailed](
        LookupOutcome.UPSTREAM_ERROR, 502, "Archal answered something unexpected",
        explanation=lambda o: f"Archal’s answer could not be used: {o.reason}.",
        advice="Try again in a moment; if it persists, Archal may be having trouble.",
        banner=_unusable,
        stored_copy_answers=True,
    ),
    upstream.RateLimited: Meaning[upstream.RateLimited](
        LookupOutcome.RATE_LIMITED, 503, "Archal is rate limiting this dashboard",
        explanation="Too many requests were made with the dashboard’s token.",
        advice=lambda o: f"Try again in {o.retry_after} seconds." if o.retry_after is not None
        else "Try again in a minute.",
        stored_copy_answers=True,
        retry_after=lambda o: o.retry_after,
    ),
    upstream.NotConfigured: Meaning(
        LookupOutcome.NOT_CONFIGURED, 503, "The dashboard is not configured yet",
        explanation="No Archal token is set, so no run can be fetched.",
        advice="An admin must set ARCHAL_TOKEN (and ARCHAL_API_URL if not archal.ai) "
        "in the environment or in .env, then restart the dashboard.",
    ),
    upstream.UpstreamTimeout: Meaning(
        LookupOutcome.TIMEOUT, 504, "Archal did not answer in time",
        explanation=lambda o: f"No complete answer came within {settings.ARCHAL_TIMEOUT:g} seconds.",
        advice="Try again in a moment. A very large record may need a longer ARCHAL_TIMEOUT.",
        stored_copy_answers=True,
    ),
}


def meaning_of(outcome: FetchOutcome) -> Meaning[Any]:
    """The row of `outcome`."""
    return MEANINGS[type(outcome)]


def banner(outcome: FetchOutcome | None) -> str:
    """What a run page says when it shows the stored copy because of `outcome`."""
    meaning = None if outcome is None else MEANINGS.get(type(outcome))
    if outcome is None or meaning is None:
        return "Archal could not be reached"
    return meaning.title if meaning.banner is None else _say(meaning.banner, outcome)


def recorded_as(outcome: FetchOutcome | None) -> LookupOutcome | None:
    """How a lookup answered with `outcome` is recorded; None (a recent copy) is RECENT_COPY."""
    return LookupOutcome.RECENT_COPY if outcome is None else meaning_of(outcome).recorded_as
