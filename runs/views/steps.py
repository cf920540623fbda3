"""A run's steps: the trace (or any array of objects) as a table and a timeline, 100 a page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from runs import lookups
from runs.errors import no_such_node, not_an_array, outcome_page, problem_page, run_id_problem
from runs.outcomes import Problem
from runs.paths import node_at, positions_of
from runs.records import ParsedRecord
from runs.steps import StepsPage, page_of_steps


@require_GET
def run_steps(request: HttpRequest, run_id: str) -> HttpResponse:
    """?offset= pages, ?errors=1 only failed steps, ?kind= one kind, ?pointer= another array,
    ?format=json the same page as data."""
    if problem := run_id_problem(request, run_id):
        return problem
    answer = lookups.look_up_kept(request, run_id)
    if answer.parsed is None:
        return outcome_page(request, run_id, answer.outcome)
    page = _steps_page(answer.parsed, request.GET)
    if isinstance(page, Problem):
        return problem_page(request, page, run_id)
    if request.GET.get("format") == "json":
        return JsonResponse(page.as_json())
    return render(request, "runs/steps.html", {"run_id": run_id, "page": page, "summary": answer.parsed.summary})


def _steps_page(parsed: ParsedRecord, params) -> StepsPage | Problem:
    pointer = params.get("pointer")
    if pointer is None:
        trace = parsed.summary.trace
        if trace is None:
            return Problem(404, "No steps", "This record has no trace: no array of steps was recognised.",
                           "Open the run’s page and read its tree.")
        pointer, items = trace.pointer, trace.value
    else:
        try:
            items = node_at(parsed.record, positions_of(parsed.record, pointer))
        except (KeyError, ValueError):
            return no_such_node(repr(pointer[:200]))
        if not isinstance(items, list):
            return not_an_array(repr(pointer[:200]))
    offset = params.get("offset", "")
    offset = int(offset) if offset.isascii() and offset.isdigit() and len(offset) <= 30 else 0  # past the end: the last page
    kind = params.get("kind") or None
    return page_of_steps(parsed.steps_at(pointer, items), pointer, offset, bool(params.get("errors")), kind)
