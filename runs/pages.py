"""Pages that say what went wrong, in plain words, with the right status."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from runs import upstream
from runs.forms import RunLookupForm, validate_run_id


def run_id_problem(request: HttpRequest, run_id: str) -> HttpResponse | None:
    """A 400 page if `run_id` cannot be a run ID; None if it can."""
    try:
        validate_run_id(run_id)
    except ValidationError as error:
        return error_page(
            request,
            status=400,
            title="That is not a run ID",
            explanation=error.messages[0],
            advice="Copy the run ID from Archal and look it up again.",
        )
    return None


def outcome_page(request: HttpRequest, run_id: str, outcome: upstream.Outcome) -> HttpResponse:
    """The error page for every outcome but a found run."""
    page = {"request": request, "run_id": run_id}
    match outcome:
        case upstream.RunNotFound():
            return error_page(
                **page,
                status=404,
                title="Run not found",
                explanation="No run with this ID is visible to this dashboard’s Archal token.",
                advice="Check the ID for typos. A run of another Archal workspace is not visible here.",
            )
        case upstream.TokenRejected(message=message):
            return error_page(
                **page,
                status=502,
                title="Archal rejected the dashboard’s token",
                explanation="The token is missing, invalid or expired.",
                upstream_message=message,
                advice="An admin must set a valid ARCHAL_TOKEN for this dashboard and restart it.",
            )
        case upstream.AccessDenied(message=message):
            return error_page(
                **page,
                status=502,
                title="No access to this run",
                explanation="The dashboard’s Archal token has no access to this run.",
                upstream_message=message,
                advice="Ask an admin whether the run belongs to another workspace or project.",
            )
        case upstream.RateLimited(retry_after=retry_after):
            wait = f"in {retry_after} seconds" if retry_after is not None else "in a minute"
            response = error_page(
                **page,
                status=503,
                title="Archal is rate limiting this dashboard",
                explanation="Too many requests were made with the dashboard’s token.",
                advice=f"Try again {wait}.",
            )
            if retry_after is not None:
                response["Retry-After"] = str(retry_after)
            return response
        case upstream.UpstreamTimeout():
            return error_page(
                **page,
                status=504,
                title="Archal did not answer in time",
                explanation=f"No complete answer came within {settings.ARCHAL_TIMEOUT:g} seconds.",
                advice="Try again in a moment. A very large record may need a longer ARCHAL_TIMEOUT.",
            )
        case upstream.NotConfigured():
            return error_page(
                **page,
                status=503,
                title="The dashboard is not configured yet",
                explanation="No Archal token is set, so no run can be fetched.",
                advice="An admin must set ARCHAL_TOKEN (and ARCHAL_API_URL if not archal.ai) "
                "in the environment or in .env, then restart the dashboard.",
            )
        case upstream.UpstreamFailed(reason=reason):
            return error_page(
                **page,
                status=502,
                title="Archal answered something unexpected",
                explanation=f"Archal’s answer could not be used: {reason}.",
                advice="Try again in a moment; if it persists, Archal may be having trouble.",
            )
    raise TypeError(f"no page for {type(outcome).__name__}")


def error_page(
    request: HttpRequest,
    *,
    status: int,
    title: str,
    explanation: str,
    advice: str,
    run_id: str = "",
    upstream_message: str = "",
) -> HttpResponse:
    """A page that says what went wrong and what to do, with the lookup form."""
    context = {
        "title": title,
        "explanation": explanation,
        "advice": advice,
        "run_id": run_id,
        "upstream_message": upstream_message,
        "form": RunLookupForm(initial={"run_id": run_id}),
    }
    return render(request, "runs/error.html", context, status=status)
