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
from runs.compare import Comparison
from runs.compare_page import Limits, comparison_page
from runs.errors import run_id_problem
from runs.forms import CompareForm
from runs.jsonio import dumps
from runs.patch import make_patch
from runs.volatile import Ignore, parse_ignore

FRAGMENTS = ("changes", "steps")


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
    """How run B differs from run A (?ignore= keys, ?offset= changes, ?steps= rows; ?format=json;
    ?fragment=changes or steps: that region's rows only)."""
    found = _comparison(request, a, b, parse_ignore(request.GET.get("ignore")))
    if isinstance(found, HttpResponse):
        return found
    comparison, sides = found
    offsets = _number(request.GET, "offset"), _number(request.GET, "steps")
    page = comparison_page(comparison, a, b, *offsets, limits=Limits(string_chars=settings.TREE_STRING_CHARS))
    if request.GET.get("format") == "json":
        return JsonResponse(page.as_json())
    if (fragment := request.GET.get("fragment")) in FRAGMENTS:
        # Only the next page of one region, for compare.js to append in place.
        return render(request, "runs/compare_fragment.html", {"page": page, "fragment": fragment})
    context = {"page": page, "sides": sides, "ignore_param": "ignore" in request.GET,
               "compare_form": CompareForm(initial={"a": a, "b": b})}
    return render(request, "runs/compare.html", context)


@require_GET
def compare_patch(request: HttpRequest, a: str, b: str) -> HttpResponse:
    """The RFC 6902 JSON Patch that turns run A's record into run B's, exactly."""
    sides = _both(request, a, b, as_json=True)
    if isinstance(sides, HttpResponse):
        return sides
    record_a, record_b = (parsed.record for parsed in comparisons.records_of(sides))
    # RFC 6902 §6: the media type of a JSON Patch document.
    return HttpResponse(dumps(make_patch(record_a, record_b)), content_type="application/json-patch+json")


def _comparison(request: HttpRequest, a: str, b: str,
                ignore: Ignore) -> tuple[Comparison, tuple[comparisons.Side, ...]] | HttpResponse:
    """The comparison, and the two runs as looked up; a later page of it (?offset=, ?steps=) reads
    the one kept, without reading the records (or, when none is kept, their stored copies)."""
    later = "offset" in request.GET or "steps" in request.GET
    if later and not _bad_id(request, a, b) and (kept := comparisons.kept(a, b, ignore)) is not None:
        return kept, ()
    sides = _both(request, a, b, kept=later)
    if isinstance(sides, HttpResponse):
        return sides
    return comparisons.comparison_of(*comparisons.records_of(sides), ignore), sides


def _both(request: HttpRequest, a: str, b: str, kept: bool = False,
          as_json: bool = False) -> tuple[comparisons.Side, comparisons.Side] | HttpResponse:
    """Both runs looked up, or the page saying why not: a bad ID, or a run without a record."""
    if problem := _bad_id(request, a, b):
        return problem
    sides = comparisons.look_up_both(request, a, b, kept)
    return _failed(request, sides, as_json) or sides


def _bad_id(request: HttpRequest, a: str, b: str) -> HttpResponse | None:
    return run_id_problem(request, a) or run_id_problem(request, b)


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
