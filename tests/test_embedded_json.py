"""JSON inside a string (an API body captured as text): positions and pointers go on through
it, /tree, /raw and /locate answer for its parts, and the tree offers it "Open as JSON"."""

from __future__ import annotations

import json

import html5lib
import pytest
from django.urls import reverse

from runs.node_html import TreeLinks, string_html
from runs.paths import (
    EMBEDDED_JSON_CHARS,
    embedded_json,
    format_positions,
    looks_like_json,
    node_at,
    pointer_at,
    positions_of,
)
from runs.rendering import count_nodes
from tests.xss_payloads import MARKUP

ITEMS = [{"id": i, "name": f"item {i}"} for i in range(150)]
BODY = json.dumps({"ok": True, "items": ITEMS, "inner": json.dumps({"deep": [1, 2, 3]})})
HOSTILE = json.dumps({payload: [payload, {"deeper": payload}] for payload in MARKUP})
RECORD = {
    "id": "run_embedded",
    "trace": [
        {"response": {"status": 200, "body": BODY}},
        {"response": {"body": "[not json]", "hostile": HOSTILE, "number": "42", "text": "plain words"}},
    ],
}


def at(pointer: str) -> str:
    return format_positions(positions_of(RECORD, pointer))


# --- Paths -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pointer", "value"),
    [
        ("/trace/0/response/body/ok", True),
        ("/trace/0/response/body/items", ITEMS),
        ("/trace/0/response/body/items/149/name", "item 149"),
        ("/trace/0/response/body/inner/deep/2", 3),  # a string in a string
    ],
)
def test_positions_and_pointers_go_on_through_a_string_holding_json(pointer, value):
    positions = positions_of(RECORD, pointer)
    assert positions[:4] == (1, 0, 0, 1)  # trace, 0, response, body: then the parsed value's children
    assert node_at(RECORD, positions) == value
    assert pointer_at(RECORD, positions) == pointer


@pytest.mark.parametrize(
    "pointer",
    [
        "/trace/1/response/body/0",  # "[not json]"
        "/trace/1/response/number/0",  # "42": JSON, but no object or array
        "/trace/1/response/text/0",
        "/trace/0/response/status/0",
        "/trace/0/response/body/nope",
        "/trace/0/response/body/items/150",
    ],
)
def test_a_string_holding_no_json_object_or_array_has_no_children(pointer):
    with pytest.raises(KeyError):
        positions_of(RECORD, pointer)


@pytest.mark.parametrize("pointer", ["/trace/1/response/body", "/trace/1/response/number", "/trace/1/response/text"])
def test_positions_below_a_string_holding_no_json_name_nothing(pointer):
    with pytest.raises(KeyError):
        node_at(RECORD, positions_of(RECORD, pointer) + (0,))
    with pytest.raises(KeyError):
        pointer_at(RECORD, positions_of(RECORD, pointer) + (0,))


def test_only_strings_opening_a_container_and_within_the_cap_are_parsed():
    assert embedded_json(' \n {"a": [1]} ') == {"a": [1]}
    assert embedded_json("42") is None and embedded_json('"x"') is None and embedded_json("{nope}") is None
    assert embedded_json("[1, 2] trailing") is None
    assert embedded_json("[\ud800]") is None  # a lone surrogate: no UTF-8, no JSON
    too_long = "[" + "1," * (EMBEDDED_JSON_CHARS // 2) + "1]"
    assert embedded_json(too_long) is None
    with pytest.raises(KeyError):
        positions_of({"s": too_long}, "/s/0")


def test_the_cheap_check_looks_at_the_ends_only():
    assert looks_like_json('{"ok": true}') and looks_like_json('  [{"a": 1}, 2]\n')
    assert not looks_like_json("[1, 2]")  # too short to be worth it
    assert not looks_like_json('{"a": 1} and more') and not looks_like_json('say {"a": 1}')
    assert looks_like_json('{"looks": "right", but: not json}')  # the parse decides, when asked
    assert not looks_like_json("[" + "1," * EMBEDDED_JSON_CHARS + "1]")


def test_count_nodes_counts_below_a_container_up_to_a_limit():
    assert count_nodes(RECORD, 100) == 2 + 2 + 2 + 6  # id, trace; two steps; responses; their 2 + 4 values
    assert count_nodes({"a": list(range(5000))}, 100) == 101
    assert count_nodes([], 10) == 0


# --- The tree's marker -----------------------------------------------------------

LINKS = TreeLinks(tree="/runs/r/tree", raw="/runs/r/raw")


def test_strings_that_look_like_json_get_an_open_as_json_link():
    html = string_html(BODY, "1.0.0.1", LINKS, 300)
    assert html.endswith(' <a class="json-embedded" href="/runs/r/tree?at=1.0.0.1" data-kind="object">Open as JSON</a>')
    assert 'data-kind="array"' in string_html('[{"a": 1}, {"b": 2}]', "3", LINKS, 300)
    assert "json-embedded" not in string_html("[not json", "3", LINKS, 300)
    assert "json-embedded" not in string_html("plain text that is long enough", "3", LINKS, 300)
    assert "json-embedded" not in string_html(BODY, "", LINKS, 300)  # the root: no position to open at


# --- Views -----------------------------------------------------------------------

def url(name: str, run_id: str) -> str:
    return reverse(f"runs:{name}", kwargs={"run_id": run_id})


@pytest.fixture
def stored(client, served):
    run_id = served("run_embedded", RECORD)
    page = client.get(url("detail", run_id))
    assert page.status_code == 200
    return run_id


def parse(html: str):
    return html5lib.parseFragment(html, namespaceHTMLElements=False)


@pytest.mark.django_db
def test_the_run_page_offers_the_body_and_not_plain_strings(client, stored):
    page = client.get(url("detail", stored)).content.decode()
    body_at = at("/trace/0/response/body")
    assert f'<a class="json-embedded" href="/runs/{stored}/tree?at={body_at}" data-kind="object">Open as JSON</a>' in page
    assert page.count('class="json-embedded"') == 3  # body, [not json] (looks so; the parse decides), hostile


@pytest.mark.django_db
def test_tree_of_a_string_holding_json_renders_its_children_with_positions_going_on(client, stored):
    body_at = at("/trace/0/response/body")
    response = client.get(url("tree", stored), {"at": body_at, "fragment": "1"})
    assert response.status_code == 200
    fragment = parse(response.content.decode())
    assert [node.get("data-i") for node in fragment if node.get("data-i")] == ["0", "1", "2"]  # ok, items, inner
    items_at = at("/trace/0/response/body/items")
    assert items_at == f"{body_at}.1"
    more = client.get(url("tree", stored), {"at": items_at, "fragment": "1"}).content.decode()
    assert f'href="/runs/{stored}/tree?at={items_at}&amp;offset=100&amp;end=150"' in more
    rest = client.get(url("tree", stored), {"at": items_at, "offset": "100", "end": "150", "fragment": "1"})
    assert "item 149" in rest.content.decode()


@pytest.mark.django_db
def test_tree_page_without_javascript_shows_the_parsed_value_with_breadcrumbs(client, stored):
    response = client.get(url("tree", stored), {"pointer": "/trace/0/response/body"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<code aria-current="page">body</code>' in html
    assert "A string holding JSON, shown as the object it holds." in html
    deeper = client.get(url("tree", stored), {"pointer": "/trace/0/response/body/items/3"}).content.decode()
    assert f'<a href="/runs/{stored}/tree?at={at("/trace/0/response/body")}">body</a>' in deeper


@pytest.mark.django_db
def test_raw_and_locate_work_through_a_string(client, stored):
    pointer = "/trace/0/response/body/items/120/name"
    raw = client.get(url("raw", stored), {"pointer": pointer})
    assert raw.status_code == 200 and json.loads(raw.content) == "item 120"
    assert client.get(url("raw", stored), {"at": at(pointer)}).content == raw.content
    assert json.loads(client.get(url("raw", stored), {"pointer": "/trace/0/response/body"}).content) == BODY
    located = client.get(url("locate", stored), {"pointer": pointer}).json()
    assert located == {"at": at(pointer), "pointer": pointer}
    assert client.get(url("locate", stored), {"at": at(pointer)}).json() == located


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "status", "title"),
    [
        ({"pointer": "/trace/1/response/body"}, 400, "Not an object or array"),  # "[not json]"
        ({"pointer": "/trace/1/response/number"}, 400, "Not an object or array"),  # "42"
        ({"pointer": "/trace/1/response/text"}, 400, "Not an object or array"),
        ({"pointer": "/trace/1/response/body/0"}, 404, "No such node"),
        ({"pointer": "/trace/1/response/text/0"}, 404, "No such node"),
        ({"pointer": "/trace/0/response/body/items/150"}, 404, "No such node"),
    ],
)
def test_strings_holding_no_json_are_what_they_were(client, stored, params, status, title):
    response = client.get(url("tree", stored), params)
    assert response.status_code == status
    assert title in response.content.decode()
    assert client.get(url("locate", stored), params).status_code == (404 if status == 404 else 200)


@pytest.mark.django_db
def test_hostile_content_inside_the_embedded_json_is_escaped(client, stored):
    hostile_at = at("/trace/1/response/hostile")
    fragment = client.get(url("tree", stored), {"at": hostile_at, "fragment": "1"}).content.decode()
    tree = parse(fragment)
    assert not {element.tag for element in tree.iter()} & {"script", "img", "svg", "iframe", "style", "math"}
    text = "".join(tree.itertext())
    for payload in MARKUP:
        assert payload in text
    # Two levels down too, where the strings are the embedded values' own.
    deeper = client.get(url("tree", stored), {"at": f"{hostile_at}.0", "fragment": "1"}).content.decode()
    assert "<script>" not in deeper and "&lt;script&gt;" in deeper


@pytest.mark.django_db
def test_search_sees_the_string_as_text(client, stored):
    found = client.get(url("search", stored), {"q": "item 149"}).json()
    assert found["nodes"] == [at("/trace/0/response/body")]  # the string, not a node inside it


@pytest.mark.django_db
def test_count_answers_how_many_nodes_lie_below(client, stored):
    assert client.get(url("tree", stored), {"at": "", "count": "10000"}).json() == {
        "nodes": count_nodes(RECORD, 10000),
        "complete": True,
    }
    assert client.get(url("tree", stored), {"at": "", "count": "3"}).json() == {"nodes": 4, "complete": False}
    body = client.get(url("tree", stored), {"pointer": "/trace/0/response/body", "count": "10000"}).json()
    assert body == {"nodes": 3 + 150 * 3, "complete": True}  # ok, items, inner; each item and its two keys
