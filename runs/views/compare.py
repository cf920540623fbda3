"""Comparing two runs: the form's target, the compare page (or its JSON) and the JSON Patch.

Input in, one call, template out; the comparison itself is runs/compare.py's,
a page of it runs/compare_page.py's, and what a side without a record shows
is the outcome table's (runs/outcomes.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from runs import comparisons
from runs.compare_page import Limits, comparison_page
from runs.errors import run_id_problem
from runs.forms import CompareForm
from runs.jsonio import dumps
from runs.patch import make_patch
from runs.volatile import parse_ignore


@require_GET
def compare_form(request: HttpRequest) -> HttpResponse:
    """Send two submitted run IDs to their comparison's shareable link (a 400 form if one is bad)."""
    if not request.GET:
        return render(request, "runs/compare_form.html", {"compare_form": CompareForm()})
    form = CompareForm(request.GET)
    if not form.is_valid():
        return render(request, "runs/compare_form.html", {"compare_form": form}, status=400)
    return redirect("runs:compare", a=form.cleaned_data["a"], b=form.cleaned_data["b"])


@require_GET
def compare_runs(request: HttpRequest, a: str, b: str) -> HttpResponse:
    """How run B differs from run A (?ignore= keys, ?offset= changes, ?steps= rows; ?format=json)."""
    if problem := run_id_problem(request, a) or run_id_problem(request, b):
        return problem
    later_page = "offset" in request.GET or "steps" in request.GET
    sides = comparisons.look_up_both(request, a, b, kept=later_page)
    if (failed := _failed(request, sides)) is not None:
        return failed
    parsed_a, parsed_b = sides[0].parsed, sides[1].parsed
    assert parsed_a is not None and parsed_b is not None
    comparison = comparisons.comparison_of(parsed_a, parsed_b, parse_ignore(request.GET.get("ignore")))
    limits = Limits(string_chars=settings.TREE_STRING_CHARS)
    page = comparison_page(comparison, a, b, _number(request.GET, "offset"), _number(request.GET, "steps"), limits)
    if request.GET.get("format") == "json":
        return JsonResponse(page.as_json())
    context = {"page": page, "sides": sides, "ignore_param": "ignore" in request.GET,
               "compare_form": CompareForm(initial={"a": a, "b": b})}
    return render(request, "runs/compare.html", context)


@require_GET
def compare_patch(request: HttpRequest, a: str, b: str) -> HttpResponse:
    """The RFC 6902 JSON Patch that turns run A's record into run B's, exactly."""
    if problem := run_id_problem(request, a) or run_id_problem(request, b):
        return problem
    sides = comparisons.look_up_both(request, a, b)
    if (failed := _failed(request, sides, as_json=True)) is not None:
        return failed
    parsed_a, parsed_b = sides[0].parsed, sides[1].parsed
    assert parsed_a is not None and parsed_b is not None
    # RFC 6902 §6: the media type of a JSON Patch document.
    return HttpResponse(dumps(make_patch(parsed_a.record, parsed_b.record)), content_type="application/json-patch+json")


def _failed(request: HttpRequest, sides: tuple[comparisons.Side, comparisons.Side],
            as_json: bool = False) -> HttpResponse | None:
    """The page saying which run has no record and why (the first failing side's status), if one has none."""
    first = next((side.problem for side in sides if side.problem is not None), None)
    if first is None:
        return None
    if as_json or request.GET.get("format") == "json":
        failing = next(side for side in sides if side.problem is not None)
        body = {"error": first.explanation, "run": failing.label, "run_id": failing.run_id}
        response: HttpResponse = JsonResponse(body, status=first.status)
    else:
        form = CompareForm(initial={"a": sides[0].run_id, "b": sides[1].run_id})
        context = {"sides": sides, "problem": first, "compare_form": form}
        response = render(request, "runs/compare_error.html", context, status=first.status)
    if first.retry_after is not None:
        response["Retry-After"] = str(first.retry_after)
    return response


def _number(params: Mapping[str, str], name: str) -> int:
    value = params.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 12 else 0
