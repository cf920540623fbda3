"""The outcome table (runs/outcomes.py) is the one place an outcome's meaning lives."""

from __future__ import annotations

from runs import outcomes, upstream
from runs.outcomes import MEANINGS, LookupOutcome, LookupsThrottled


def every_subclass(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | every_subclass(sub)
    return found


def test_every_outcome_has_its_row():
    assert every_subclass(upstream.FetchOutcome) == set(MEANINGS)


def test_every_recorded_outcome_but_a_recent_copy_comes_from_a_row():
    recorded = {meaning.recorded_as for meaning in MEANINGS.values()} - {None}
    assert recorded == set(LookupOutcome) - {LookupOutcome.RECENT_COPY}
    assert outcomes.recorded_as(None) == LookupOutcome.RECENT_COPY


def test_a_row_turns_its_outcome_into_a_problem_with_the_outcomes_own_words():
    refusal = LookupsThrottled(retry_after=1, limit=1, per="person")
    problem = outcomes.meaning_of(refusal).problem(refusal)
    assert (problem.status, problem.retry_after) == (429, 1)
    assert problem.explanation.startswith("This dashboard fetches at most 1 run a minute per person,")
    assert problem.advice == "Try again in 1 second."


def test_the_stored_copy_banner_says_why_archal_was_not_used():
    assert outcomes.banner(upstream.UpstreamTimeout()) == "Archal did not answer in time"
    refused = upstream.UpstreamFailed(reason="could not connect to Archal (connection refused or reset)")
    assert outcomes.banner(refused) == "Could not connect to Archal (connection refused or reset)"
    broken = upstream.UpstreamFailed(status=500, reason="HTTP 500")
    assert outcomes.banner(broken) == "Archal’s answer could not be used: HTTP 500"
