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
from runs.paths import (
    Positions,
    child_at,
    format_positions,
    is_decimal,
    node_at,
    parse_positions,
    pointer_at,
    positions_of,
)
from runs.rendering import TreeLinks, render_children, visible

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


def _named(params) -> str:
    """What a request asked for, as its error page names it (cut short: a key can be a megabyte)."""
    name = f"positions {params['at']}" if "at" in params else repr(params.get("pointer", ""))
    return visible(name if len(name) <= 200 else name[:200] + "…")


def _no_such_node(request: HttpRequest, run_id: str, params) -> HttpResponse:
    return _problem(request, run_id, 404, "No such node", f"The record has nothing at {_named(params)}.")


def _not_positions(request: HttpRequest, run_id: str, params) -> HttpResponse:
    return _problem(request, run_id, 400, "Not positions", f"{_named(params)} is not a list of positions like 3.0.17.")


def find_node(record: object, params) -> tuple[Positions, object]:
    """The positions and value of the node a request names with ?at= (positions, as
    the page's links do) or ?pointer= (a JSON Pointer).

    ValueError if ?at= is malformed, KeyError if there is no such node.
    """
    if "at" in params:
        positions = parse_positions(params["at"])
    else:
        positions = positions_of(record, params.get("pointer", ""))
    return positions, node_at(record, positions)


def _int_param(request: HttpRequest, name: str, default: int | None) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if is_decimal(value) else default


def _focus(request: HttpRequest) -> Positions:
    """?focus=: the positions of a node below the requested one, counted from it."""
    try:
        return parse_positions(request.GET.get("focus", ""))
    except ValueError:
        return ()


@require_GET
def run_tree(request: HttpRequest, run_id: str) -> HttpResponse:
    """Children of one container: an HTML fragment for tree.js, or a page without it."""
    if problem := run_id_problem(request, run_id):
        return problem
    parsed = records.load(run_id)
    if parsed is None:
        return _not_stored(request, run_id)
    try:
        at, node = find_node(parsed.record, request.GET)
    except ValueError:
        return _not_positions(request, run_id, request.GET)
    except KeyError:
        return _no_such_node(request, run_id, request.GET)
    if not isinstance(node, (dict, list)):
        return _problem(request, run_id, 400, "Not an object or array", f"{_named(request.GET)} holds a single value.")
    span = (_int_param(request, "offset", 0), _int_param(request, "end", len(node)))
    children = render_children(node, at, tree_links(run_id), span=span, focus=_focus(request))
    if request.GET.get("fragment"):
        return HttpResponse(children)
    breadcrumbs = _breadcrumbs(parsed.record, at)
    context = {
        "run_id": run_id,
        "breadcrumbs": breadcrumbs,
        "label": breadcrumbs[-1][0],
        "kind": "object" if isinstance(node, dict) else "array",
        "children": children,
    }
    return render(request, "runs/subtree.html", context)


BREADCRUMB_CHARS = 60
BREADCRUMBS_SHOWN = 10  # the nearest ancestors; each link names all the levels above it


def _breadcrumbs(record: object, at: Positions) -> list[tuple[str, str | None]]:
    """(label, positions) for the record and the nodes on the way to `at`; deep down, the
    record, then ("…", None), then the nearest ancestors."""
    crumbs: list[tuple[str, str | None]] = [("record", "")]
    node = record
    for depth, position in enumerate(at, start=1):
        key, node = child_at(node, position)
        if depth == len(at) - BREADCRUMBS_SHOWN + 1 and depth > 1:
            crumbs.append(("…", None))
        if depth > len(at) - BREADCRUMBS_SHOWN:
            label = visible(str(key)[:BREADCRUMB_CHARS]) + ("…" if len(str(key)) > BREADCRUMB_CHARS else "")
            crumbs.append((label, format_positions(at[:depth])))
    return crumbs


@require_GET
def run_locate(request: HttpRequest, run_id: str) -> HttpResponse:
    """JSON {at, pointer} of the node named by ?pointer= or ?at=: how tree.js turns a deep
    link into positions, and positions into a path when the page shows a key cut short."""
    if problem := run_id_problem(request, run_id):
        return problem
    parsed = records.load(run_id)
    if parsed is None:
        return JsonResponse({"error": "This dashboard holds no stored record of this run."}, status=404)
    try:
        at, _node = find_node(parsed.record, request.GET)
    except ValueError:
        return JsonResponse({"error": f"{_named(request.GET)} is not a list of positions like 3.0.17."}, status=400)
    except KeyError:
        return JsonResponse({"error": f"The record has nothing at {_named(request.GET)}."}, status=404)
    return JsonResponse({"at": format_positions(at), "pointer": pointer_at(parsed.record, at)})


@require_GET
def run_search(request: HttpRequest, run_id: str) -> HttpResponse:
    """JSON {query, count, offset, nodes}: nodes whose key or value holds ?q=, in order.

    The positions (as "3.0.17") of SEARCH_RESULTS matches from ?offset= (default 0) on.
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
    index = parsed.search_index()
    result = index.search(query, limit=SEARCH_RESULTS, offset=offset)
    nodes = [format_positions(positions) for positions in index.positions(result.nodes)]
    return JsonResponse({"query": query, "count": result.count, "offset": offset, "nodes": nodes})


def subtree_json(request: HttpRequest, parsed: records.ParsedRecord) -> HttpResponse:
    """The JSON of the node named by ?pointer= or ?at=, pretty-printed with ?pretty=1."""
    try:
        _at, node = find_node(parsed.record, request.GET)
    except ValueError:
        return _not_positions(request, parsed.run_id, request.GET)
    except KeyError:
        return _no_such_node(request, parsed.run_id, request.GET)
    return HttpResponse(dumps(node, pretty=bool(request.GET.get("pretty"))), content_type="application/json")
