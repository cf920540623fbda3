"""Pages that say what went wrong, in plain words, with the right status.

Every error a person can meet is a `Problem` (runs/outcomes.py): one for each
lookup outcome (from the outcome table), and the few below for requests the
dashboard refuses itself. Pages render it as HTML with the lookup form; the
viewer's JSON endpoints as `{"error": explanation}`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from runs.forms import RunLookupForm, validate_run_id
from runs.outcomes import Problem, meaning_of
from runs.throttle import ViewerThrottled
from runs.upstream import FetchOutcome

REFETCH = "Open the run’s page again to fetch its record."


def problem_context(problem: Problem, run_id: str = "") -> dict[str, object]:
    """What runs/error.html shows of `problem`."""
    return {
        "title": problem.title,
        "explanation": problem.explanation,
        "advice": problem.advice,
        "run_id": run_id,
        "upstream_message": problem.upstream_message,
        "form": RunLookupForm(initial={"run_id": run_id}),
    }


def problem_page(request: HttpRequest, problem: Problem, run_id: str = "") -> HttpResponse:
    """A page that says what went wrong and what to do, with the lookup form."""
    response = render(request, "runs/error.html", problem_context(problem, run_id), status=problem.status)
    if problem.retry_after is not None:
        response["Retry-After"] = str(problem.retry_after)
    return response


def problem_json(problem: Problem) -> JsonResponse:
    """The same problem for a script: {"error": explanation}."""
    response = JsonResponse({"error": problem.explanation}, status=problem.status)
    if problem.retry_after is not None:
        response["Retry-After"] = str(problem.retry_after)
    return response


def outcome_page(request: HttpRequest, run_id: str, outcome: FetchOutcome) -> HttpResponse:
    """The error page for every outcome but a found run."""
    return problem_page(request, meaning_of(outcome).problem(outcome), run_id)


def run_id_problem(request: HttpRequest, run_id: str) -> HttpResponse | None:
    """A 400 page if `run_id` cannot be a run ID; None if it can."""
    try:
        validate_run_id(run_id)
    except ValidationError as error:
        problem = Problem(
            400, "That is not a run ID", error.messages[0], "Copy the run ID from Archal and look it up again."
        )
        return problem_page(request, problem)
    return None


# --- What the viewer's parts refuse (runs/views/viewer.py) ---------------------

NOT_STORED = Problem(404, "Record not stored", "This dashboard holds no stored record of this run.", REFETCH)
# records.ParsesBusy: every parse slot stayed taken (RECORD_PARSES_AT_ONCE, RECORD_PARSE_WAIT_SECONDS).
PARSES_BUSY = Problem(
    503,
    "Busy reading other records",
    "The dashboard is reading other large records into memory and could not start on this one in time.",
    "Try again in a few seconds.",
    retry_after=5,
)


def no_such_node(named: str) -> Problem:
    return Problem(404, "No such node", f"The record has nothing at {named}.", REFETCH)


def not_positions(named: str) -> Problem:
    return Problem(400, "Not positions", f"{named} is not a list of positions like 3.0.17.", REFETCH)


def not_a_container(named: str) -> Problem:
    return Problem(400, "Not an object or array", f"{named} holds a single value.", REFETCH)


def not_a_string(named: str) -> Problem:
    return Problem(400, "Not a string", f"{named} is not a string.", REFETCH)


def not_an_array(named: str) -> Problem:
    return Problem(400, "Not an array", f"{named} is not an array.", "Choose an array of the record.")


def too_many_viewer_requests(refusal: ViewerThrottled) -> Problem:
    return Problem(
        429, "Too many requests",
        f"This dashboard answers at most {refusal.limit} requests for parts of records a minute "
        f"per {refusal.per}, so that no one keeps it busy for everyone else.",
        f"Try again in {refusal.retry_after} second{'s' if refusal.retry_after != 1 else ''}.",
        retry_after=refusal.retry_after,
    )


def query_too_long(limit: int) -> Problem:
    return Problem(400, "Search too long", f"Search for at most {limit} characters.", "Search for fewer characters.")
