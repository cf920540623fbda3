"""The run viewer's on-demand parts, all served from the stored snapshot.

Subtrees that did not fit the first response, search over the whole record,
locating a node, and the JSON of one subtree. None of these calls Archal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from runs import cold, records, throttle
from runs.errors import (
    NOT_STORED,
    PARSES_BUSY,
    no_such_node,
    not_a_container,
    not_a_string,
    not_positions,
    problem_json,
    problem_page,
    query_too_long,
    run_id_problem,
    too_many_viewer_requests,
)
from runs.escaping import visible
from runs.jsonio import dumps
from runs.markdown import render_markdown
from runs.node_html import tree_links
from runs.outcomes import Problem
from runs.paths import (
    Positions,
    as_container,
    breadcrumbs,
    find_node,
    format_positions,
    is_decimal,
    parse_positions,
    pointer_at,
)
from runs.records import ParsedRecord
from runs.rendering import count_nodes, render_children

SEARCH_QUERY_CHARS = 200
SEARCH_RESULTS = 1000
MAX_COUNTED = 100_000  # nodes ?count= looks at, at most

PartView = Callable[[HttpRequest, ParsedRecord], HttpResponse | Problem]
# What of the record a view can do with in a process that has not parsed it (runs/cold.py).
ColdPart = Callable[[str, HttpRequest], ParsedRecord | None]


def stored_record(answer_in_json: bool, cold_part: ColdPart | None = None) -> Callable[[PartView], Callable[..., HttpResponse]]:
    """Views of a run's stored record: the ID checked, the record loaded (404 if none is
    stored) and passed in, and a Problem the view returns rendered as a page or as JSON.
    With `cold_part`, a process that has not parsed the record first asks it for what the
    view needs (from the snapshot's outline or stored index) before parsing it whole."""

    def decorate(view: PartView) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, run_id: str) -> HttpResponse:
            if problem := run_id_problem(request, run_id):
                return problem
            if refused := viewer_throttled(request, run_id, answer_in_json):
                return refused
            answer = _answer(view, request, run_id, cold_part)
            if not isinstance(answer, Problem):
                return answer
            return problem_json(answer) if answer_in_json else problem_page(request, answer, run_id)

        return require_GET(wrapped)

    return decorate


def viewer_throttled(request: HttpRequest, run_id: str, answer_in_json: bool = False) -> HttpResponse | None:
    """Count this request for a part of a record against VIEWER_REQUESTS_PER_MINUTE: None when
    it may go on, else a 429 with Retry-After, as JSON for tree.js's fetches and scripts."""
    if (refusal := throttle.take_viewer_request(request)) is None:
        return None
    problem = too_many_viewer_requests(refusal)
    fetched = bool(request.GET.get("fragment")) or "count" in request.GET or request.GET.get("format") == "json"
    return problem_json(problem) if answer_in_json or fetched else problem_page(request, problem, run_id)


def _answer(view: PartView, request: HttpRequest, run_id: str, cold_part: ColdPart | None) -> HttpResponse | Problem:
    parsed = cold_part(run_id, request) if cold_part is not None else None
    if parsed is None:
        try:
            parsed = records.load(run_id)
        except records.ParsesBusy:
            return PARSES_BUSY
    return NOT_STORED if parsed is None else view(request, parsed)


def _cold_tree(run_id: str, request: HttpRequest) -> ParsedRecord | None:
    return cold.part(run_id, request.GET, reads="whole" if "count" in request.GET else "page")


def _cold_way(run_id: str, request: HttpRequest) -> ParsedRecord | None:
    return cold.part(run_id, request.GET, reads="way")


def _cold_search(run_id: str, request: HttpRequest) -> ParsedRecord | None:
    return cold.searchable(run_id)


@stored_record(answer_in_json=False, cold_part=_cold_tree)
def run_tree(request: HttpRequest, parsed: ParsedRecord) -> HttpResponse | Problem:
    """Children of one container: an HTML fragment for tree.js, or a page without it.

    ?count=N answers JSON {nodes, complete} instead: how many nodes lie below the
    container, counted up to N (tree.js's "Expand all" asks before it fetches).
    """
    found = _find(parsed, request.GET)
    if isinstance(found, Problem):
        return found
    at, node = found
    container = as_container(node)  # a string holding a JSON object or array: that value
    if not isinstance(container, (dict, list)):
        return not_a_container(_named(request.GET))
    if "count" in request.GET:
        return _counted(request, container)
    span = (_int_param(request, "offset", 0), _int_param(request, "end", len(container)))
    children = render_children(container, at, tree_links(parsed.run_id), span=span, focus=_focus(request))
    if request.GET.get("fragment"):
        return HttpResponse(children)
    context = _subtree_context(parsed, at, container, children)
    return render(request, "runs/subtree.html", {**context, "embedded": isinstance(node, str)})


@stored_record(answer_in_json=True, cold_part=_cold_way)
def run_locate(request: HttpRequest, parsed: ParsedRecord) -> HttpResponse | Problem:
    """JSON {at, pointer} of the node named by ?pointer= or ?at=: how tree.js turns a deep
    link into positions, and positions into a path when the page shows a key cut short."""
    found = _find(parsed, request.GET)
    if isinstance(found, Problem):
        return found
    at, _node = found
    return JsonResponse({"at": format_positions(at), "pointer": pointer_at(parsed.record, at)})


@stored_record(answer_in_json=True, cold_part=_cold_search)
def run_search(request: HttpRequest, parsed: ParsedRecord) -> HttpResponse | Problem:
    """JSON {query, count, offset, nodes}: nodes whose key or value holds ?q=, in order.

    The positions (as "3.0.17") of SEARCH_RESULTS matches from ?offset= (default 0) on.
    """
    query = request.GET.get("q", "")
    if len(query) > SEARCH_QUERY_CHARS:
        return query_too_long(SEARCH_QUERY_CHARS)
    offset = _int_param(request, "offset", 0)
    index = parsed.search_index()
    result = index.search(query, limit=SEARCH_RESULTS, offset=offset)
    nodes = [format_positions(positions) for positions in index.positions(result.nodes)]
    return JsonResponse({"query": query, "count": result.count, "offset": offset, "nodes": nodes})


@stored_record(answer_in_json=False, cold_part=_cold_way)
def run_markdown(request: HttpRequest, parsed: ParsedRecord) -> HttpResponse | Problem:
    """A string of the record rendered as Markdown: an HTML fragment for tree.js, or a page."""
    found = _find(parsed, request.GET)
    if isinstance(found, Problem):
        return found
    at, node = found
    if not isinstance(node, str):
        return not_a_string(_named(request.GET))
    html, cut = render_markdown(node)
    context = {"run_id": parsed.run_id, "html": html, "cut": cut, "chars": len(node), "at": format_positions(at)}
    if request.GET.get("fragment"):
        return render(request, "runs/_markdown.html", context)
    return render(request, "runs/markdown.html", {**context, "breadcrumbs": breadcrumbs(parsed.record, at)})


def subtree_json(request: HttpRequest, parsed: ParsedRecord) -> HttpResponse:
    """The JSON of the node named by ?pointer= or ?at=, pretty-printed with ?pretty=1."""
    found = _find(parsed, request.GET)
    if isinstance(found, Problem):
        return problem_page(request, found, parsed.run_id)
    _at, node = found
    return HttpResponse(dumps(node, pretty=bool(request.GET.get("pretty"))), content_type="application/json")


def _counted(request: HttpRequest, container: dict | list) -> JsonResponse:
    """{nodes, complete}: the nodes below `container`, counted up to ?count= (MAX_COUNTED at most)."""
    limit = min(_int_param(request, "count", 0), MAX_COUNTED)
    nodes = count_nodes(container, limit)
    return JsonResponse({"nodes": nodes, "complete": nodes <= limit})


def _find(parsed: ParsedRecord, params: Mapping[str, str]) -> tuple[Positions, object] | Problem:
    try:
        return find_node(parsed.record, params)
    except ValueError:
        return not_positions(_named(params))
    except KeyError:
        return no_such_node(_named(params))


def _named(params: Mapping[str, str]) -> str:
    """What a request asked for, as its error page names it (cut short: a key can be a megabyte)."""
    name = f"positions {params['at']}" if "at" in params else repr(params.get("pointer", ""))
    return visible(name if len(name) <= 200 else name[:200] + "…")


def _int_param(request: HttpRequest, name: str, default: int) -> int:
    value = request.GET.get(name, "")
    return int(value) if is_decimal(value) else default


def _focus(request: HttpRequest) -> Positions:
    """?focus=: the positions of a node below the requested one, counted from it."""
    try:
        return parse_positions(request.GET.get("focus", ""))
    except ValueError:
        return ()


def _subtree_context(parsed: ParsedRecord, at: Positions, node: dict | list, children: str) -> dict[str, object]:
    crumbs = breadcrumbs(parsed.record, at)
    return {
        "run_id": parsed.run_id,
        "breadcrumbs": crumbs,
        "label": crumbs[-1][0],
        "kind": "object" if isinstance(node, dict) else "array",
        "children": children,
    }
