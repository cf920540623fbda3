"""Arrays of a record read as rows: the steps of its trace (a table and a timeline), and any
array of objects as a table. 100 rows a page; ?format=json the same page as data."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from runs import lookups
from runs.errors import no_such_node, not_an_array, not_positions, outcome_page, problem_page, run_id_problem
from runs.outcomes import Problem
from runs.paths import find_node, pointer_at
from runs.records import ParsedRecord
from runs.steps import StepsPage, page_of_steps
from runs.table import TablePage, table_page
from runs.views.viewer import viewer_throttled

NO_TRACE = Problem(404, "No steps", "This record has no trace: no array of steps was recognised.",
                   "Open the run’s page and read its tree.")

PageOf = Callable[[ParsedRecord, Mapping[str, str]], StepsPage | TablePage | Problem]


@require_GET
def run_steps(request: HttpRequest, run_id: str) -> HttpResponse:
    """The trace as a table and a timeline: ?errors=1 failed steps only, ?kind= one kind."""
    return _array_page(request, run_id, "runs/steps.html", _steps, heading="Steps", noun="steps")


@require_GET
def run_table(request: HttpRequest, run_id: str) -> HttpResponse:
    """Any array of objects (?pointer= or ?at=) as a table, columns from the keys most items have."""
    return _array_page(request, run_id, "runs/table.html", _table, heading="Table", noun="rows")


def _array_page(
    request: HttpRequest, run_id: str, template: str, page_of: PageOf, heading: str, noun: str
) -> HttpResponse:
    """A page of one array of a run's record, looked up like the run page when not stored."""
    if problem := run_id_problem(request, run_id):
        return problem
    if refused := viewer_throttled(request, run_id):
        return refused
    answer = lookups.look_up_kept(request, run_id)
    if answer.parsed is None:
        assert answer.outcome is not None  # an answer without a record has an outcome saying why
        return outcome_page(request, run_id, answer.outcome)
    page = page_of(answer.parsed, request.GET)
    if isinstance(page, Problem):
        return problem_page(request, page, run_id)
    if request.GET.get("format") == "json":
        return JsonResponse(page.as_json())
    context = {"run_id": run_id, "page": page, "summary": answer.parsed.summary, "heading": heading, "noun": noun}
    return render(request, template, context)


def _steps(parsed: ParsedRecord, params: Mapping[str, str]) -> StepsPage | Problem:
    found = _array(parsed, params)
    if isinstance(found, Problem):
        return found
    pointer, items = found
    kind = params.get("kind") or None
    return page_of_steps(parsed.steps_at(pointer, items), pointer, _offset(params), bool(params.get("errors")), kind)


def _table(parsed: ParsedRecord, params: Mapping[str, str]) -> TablePage | Problem:
    found = _array(parsed, params)
    return found if isinstance(found, Problem) else table_page(found[1], found[0], _offset(params))


def _array(parsed: ParsedRecord, params: Mapping[str, str]) -> tuple[str, list] | Problem:
    """The array named by ?pointer= (or ?at=), by default the trace."""
    if "pointer" not in params and "at" not in params:
        trace = parsed.summary.trace
        return NO_TRACE if trace is None else (trace.pointer, trace.value)
    named = repr(params.get("pointer", params.get("at", ""))[:200])
    try:
        at, items = find_node(parsed.record, params)
    except ValueError:
        return not_positions(named)
    except KeyError:
        return no_such_node(named)
    if not isinstance(items, list):
        return not_an_array(named)
    return pointer_at(parsed.record, at), items


def _offset(params: Mapping[str, str]) -> int:
    """?offset=; past the end means the last page."""
    offset = params.get("offset", "")
    return int(offset) if offset.isascii() and offset.isdigit() and len(offset) <= 30 else 0
