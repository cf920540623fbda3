"""The run viewer's on-demand parts, all served from the stored snapshot.

Subtrees that did not fit the first response, search over the whole record,
and the JSON of one subtree. None of these calls Archal.
"""

from __future__ import annotations

import json

import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from runs import records
from runs.pages import error_page, run_id_problem
from runs.rendering import TreeLinks, pointer_tokens, render_children, resolve_pointer

SEARCH_QUERY_CHARS = 200
SEARCH_RESULTS = 1000


def tree_links(run_id: str) -> TreeLinks:
    """Return the URLs a run's tree links to for more nodes and whole strings."""
    return TreeLinks(
        tree=reverse("runs:tree", kwargs={"run_id": run_id}),
        raw=reverse("runs:raw", kwargs={"run_id": run_id}),
    )


def dumps(value: object, pretty: bool = False) -> bytes:
    """Return `value` as JSON; exact for what orjson refuses (integers beyond 64 bits,
    lone surrogates, which only \\u escapes can carry)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 if pretty else 0)
    except TypeError:
        return json.dumps(value, indent=2 if pretty else None).encode()


def _problem(request: HttpRequest, run_id: str, status: int, title: str, explanation: str) -> HttpResponse:
    return error_page(
        request,
        run_id=run_id,
        status=status,
        title=title,
        explanation=explanation,
        advice="Open the run’s page again to fetch its record.",
    )


def _not_stored(request: HttpRequest, run_id: str) -> HttpResponse:
    return _problem(request, run_id, 404, "Record not stored", "This dashboard holds no stored record of this run.")


def _no_such_node(request: HttpRequest, run_id: str, pointer: str) -> HttpResponse:
    return _problem(request, run_id, 404, "No such node", f"The record has nothing at {pointer!r}.")


def _int_param(request: HttpRequest, name: str, default: int | None) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and value.isascii() else default


@require_GET
def run_tree(request: HttpRequest, run_id: str) -> HttpResponse:
    """Children of one container: an HTML fragment for tree.js, or a page without it."""
    if problem := run_id_problem(request, run_id):
        return problem
    parsed = records.load(run_id)
    if parsed is None:
        return _not_stored(request, run_id)
    pointer = request.GET.get("pointer", "")
    focus = request.GET.get("focus", "")
    try:
        node = resolve_pointer(parsed.record, pointer)
    except KeyError:
        return _no_such_node(request, run_id, pointer)
    if not isinstance(node, (dict, list)):
        return _problem(request, run_id, 400, "Not an object or array", f"{pointer!r} holds a single value.")
    if focus and not (focus == pointer or focus.startswith(pointer + "/")):
        focus = ""
    span = (_int_param(request, "offset", 0), _int_param(request, "end", len(node)))
    children = render_children(node, pointer, tree_links(run_id), span=span, focus=focus)
    if request.GET.get("fragment"):
        return HttpResponse(children)
    context = {
        "run_id": run_id,
        "pointer": pointer,
        "breadcrumbs": _breadcrumbs(pointer),
        "kind": "object" if isinstance(node, dict) else "array",
        "children": children,
    }
    return render(request, "runs/subtree.html", context)


def _breadcrumbs(pointer: str) -> list[tuple[str, str]]:
    """(label, pointer) for each ancestor of `pointer`, root first."""
    crumbs = [("record", "")]
    path = ""
    for token in pointer_tokens(pointer):
        path += "/" + token.replace("~", "~0").replace("/", "~1")
        crumbs.append((token, path))
    return crumbs


@require_GET
def run_search(request: HttpRequest, run_id: str) -> HttpResponse:
    """JSON {count, offset, pointers}: nodes whose key or value holds ?q=, in order.

    Pointers of SEARCH_RESULTS matches from ?offset= (default 0) on.
    """
    if problem := run_id_problem(request, run_id):
        return problem
    query = request.GET.get("q", "")
    if len(query) > SEARCH_QUERY_CHARS:
        return JsonResponse({"error": f"Search for at most {SEARCH_QUERY_CHARS} characters."}, status=400)
    parsed = records.load(run_id)
    if parsed is None:
        return JsonResponse({"error": "This dashboard holds no stored record of this run."}, status=404)
    offset = _int_param(request, "offset", 0)
    result = parsed.search_index().search(query, limit=SEARCH_RESULTS, offset=offset)
    return JsonResponse(
        {"query": query, "count": result.count, "offset": offset, "pointers": result.pointers}
    )


def subtree_json(request: HttpRequest, parsed: records.ParsedRecord, pointer: str) -> HttpResponse:
    """The JSON of the node at `pointer`, pretty-printed with ?pretty=1."""
    try:
        node = resolve_pointer(parsed.record, pointer)
    except KeyError:
        return _no_such_node(request, parsed.run_id, pointer)
    return HttpResponse(dumps(node, pretty=bool(request.GET.get("pretty"))), content_type="application/json")
