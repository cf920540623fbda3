"""Pages: the home page, the lookup form, a run's page and its raw JSON.

Input in, one call, template and status out; what each outcome of a lookup
shows is runs/outcomes.py's table, rendered by runs/errors.py.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from runs import cold, lookups
from runs.errors import NOT_STORED, outcome_page, problem_page, run_id_problem
from runs.forms import RunLookupForm
from runs.models import Lookup
from runs.outcomes import banner
from runs.records import ParsedRecord
from runs.tree_cache import first_view, run_regions
from runs.views.viewer import subtree_json, viewer_throttled


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The lookup form and the runs looked up most recently."""
    return _home_page(request, RunLookupForm())


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """Send a submitted run ID to its permanent, shareable link."""
    form = RunLookupForm(request.GET)
    if not form.is_valid():
        return _home_page(request, form, status=400)
    return redirect("runs:detail", run_id=form.cleaned_data["run_id"])


@require_http_methods(["GET", "POST"])
def run_detail(request: HttpRequest, run_id: str) -> HttpResponse:
    """The run's record as a collapsible tree, or a page saying what went wrong.

    A POST is the page's Refresh: it spends one of the visitor's lookups, so it
    takes a POST with the CSRF token, which no other site's link, image or form can send.
    """
    if problem := run_id_problem(request, run_id):
        return problem
    if request.method == "POST":
        return _refresh(request, run_id)
    return _answer_page(request, run_id, lookups.look_up(request, run_id))


@require_GET
def run_raw(request: HttpRequest, run_id: str) -> HttpResponse:
    """The run's record as JSON, byte for byte as Archal sent it (?download=1: as a file).

    With ?pointer= (or ?at=, see paths.py) just that subtree and with ?pretty=1 indented, from
    the stored record when there is one. Like the run page, answered from a recent snapshot, or
    from the stored one when Archal fails.
    """
    if problem := run_id_problem(request, run_id):
        return problem
    part = "pointer" in request.GET or "at" in request.GET or request.GET.get("pretty")
    if part and (refused := viewer_throttled(request, run_id)):
        return refused  # a part counts as a viewer request; the whole record as a lookup
    named = "pointer" in request.GET or "at" in request.GET
    if named and (cold_part := cold.part(run_id, request.GET, reads="whole")) is not None:
        return subtree_json(request, cold_part)  # a process that has not parsed the record: its part
    if part:
        answer = lookups.look_up_kept(request, run_id)
    else:
        answer = lookups.look_up(request, run_id)
    if answer.parsed is None:
        assert answer.outcome is not None  # an answer without a record has an outcome saying why
        return outcome_page(request, run_id, answer.outcome)
    if part:
        return subtree_json(request, answer.parsed)
    if (body := answer.body()) is None:  # the stored copy was trimmed since it was read
        return problem_page(request, NOT_STORED, run_id)
    return _json_file(body, run_id, download=bool(request.GET.get("download")))


@require_GET
def slashed_run_id(request: HttpRequest, rest: str, pages: tuple[str, ...]) -> HttpResponse:
    """A run page whose ID holds "/": a clear 400, not a bare 404 (`pages`: the ends of a run's
    URLs, from runs/urls.py)."""
    for page in pages:
        run_id = rest[: -len(page)]
        if rest.endswith(page) and "/" in run_id and (problem := run_id_problem(request, run_id)):
            return problem
    raise Http404("No such page")


class _SeeOther(HttpResponseRedirect):
    status_code = 303  # RFC 9110 15.4.4: the browser GETs the page; reloading it posts nothing


def _refresh(request: HttpRequest, run_id: str) -> HttpResponse:
    """Ask Archal for the run even if a recent copy is stored, then send the browser to its page."""
    page = reverse("runs:detail", kwargs={"run_id": run_id})
    if settings.RUN_CACHE_SECONDS <= 0:  # every view asks Archal: the page the redirect loads will
        return _SeeOther(page)
    answer = lookups.look_up(request, run_id, refresh=True)
    if answer.source is lookups.Source.ARCHAL and answer.parsed is not None:
        return _SeeOther(page)  # stored just now: the page shows it as a recent copy
    # Refused (429), or Archal failed: say so now, as the page would; sent there, it would ask again.
    return _answer_page(request, run_id, answer)


def _answer_page(request: HttpRequest, run_id: str, answer: lookups.Answer) -> HttpResponse:
    if answer.parsed is None:
        assert answer.outcome is not None  # an answer without a record has an outcome saying why
        return outcome_page(request, run_id, answer.outcome)
    return render(request, "runs/detail.html", _run_context(answer, answer.parsed))


def _run_context(answer: lookups.Answer, parsed: ParsedRecord) -> dict[str, object]:
    return {
        "run_id": parsed.run_id,
        "tree": first_view(parsed),
        "regions": run_regions(parsed),
        "fetched_at": parsed.fetched_at,
        "size_bytes": parsed.size_bytes,
        "source": answer.source.value,
        "elapsed_ms": answer.outcome.elapsed_ms if answer.outcome else None,
        "failure": banner(answer.outcome) if answer.source is lookups.Source.STORED else "",
        "cache_seconds": settings.RUN_CACHE_SECONDS,
        "form": RunLookupForm(initial={"run_id": parsed.run_id}),
    }


def _json_file(body: bytes, run_id: str, download: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json")
    if download:
        # A str whenever as_attachment is true; the stub's return type is str | None.
        disposition = content_disposition_header(as_attachment=True, filename=f"{run_id}.json")
        response["Content-Disposition"] = disposition  # type: ignore[assignment]
    return response


def _home_page(request: HttpRequest, form: RunLookupForm, status: int = 200) -> HttpResponse:
    form.fields["run_id"].widget.attrs["autofocus"] = True  # the home page is for typing an ID
    context = {
        "form": form,
        "recent": Lookup.objects.recent_runs(settings.RECENT_RUNS_SHOWN),
    }
    return render(request, "runs/home.html", context, status=status)
