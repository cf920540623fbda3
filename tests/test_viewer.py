"""The viewer's on-demand parts: subtrees, search and raw subtrees, from the snapshot."""

from __future__ import annotations

import json

import html5lib
import pytest
from django.urls import reverse

from runs import records
from runs.paths import format_positions, positions_of
from tests.fake_archal import RECORDS

pytestmark = pytest.mark.django_db
WIDE = json.loads(RECORDS["run_wide"])


def url(name: str, run_id: str = "run_wide") -> str:
    return reverse(f"runs:{name}", kwargs={"run_id": run_id})


def at(pointer: str) -> str:
    """The positions the page names the wide run's node at `pointer` with."""
    return format_positions(positions_of(WIDE, pointer))


def position_attributes(html: str) -> list[str]:
    """The data-i of the top-level nodes of a fragment."""
    fragment = html5lib.parseFragment(html, namespaceHTMLElements=False)
    return [node.get("data-i") for node in fragment if node.get("data-i") is not None]


@pytest.fixture
def viewed(client, archal):
    """The wide run, viewed once: its snapshot is stored; then a cold cache."""
    assert client.get(url("detail")).status_code == 200
    records.forget_all()
    archal.requests.clear()
    return client


def test_first_response_stays_small_for_a_wide_record(client, settings):
    settings.TREE_NODE_BUDGET = 1500
    response = client.get(url("detail"))
    assert response.status_code == 200
    tree = html5lib.parseFragment(response.content.decode(), namespaceHTMLElements=False)
    nodes = tree.findall(".//details") + tree.findall(".//div[@class='json-leaf']")
    assert len(nodes) <= 1500 + 2  # the budget, and the root
    assert len(response.content) < 400_000


def test_subtree_fragment_comes_from_the_snapshot_without_calling_archal(viewed, archal):
    response = viewed.get(url("tree"), {"at": at("/trace"), "offset": "100", "end": "5000", "fragment": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert not html.startswith("<!doctype")
    assert position_attributes(html) == [str(i) for i in range(100, 200)]
    assert f'href="/runs/run_wide/tree?at={at("/trace")}&amp;offset=200&amp;end=5000"' in html
    assert archal.requests == []


def test_subtree_can_be_named_by_pointer_too(viewed):
    by_pointer = viewed.get(url("tree"), {"pointer": "/trace/7", "fragment": "1"}).content
    assert by_pointer == viewed.get(url("tree"), {"at": at("/trace/7"), "fragment": "1"}).content
    assert position_attributes(by_pointer.decode()) == ["0", "1", "2", "3"]  # step, tool, at, args


def test_subtree_with_focus_reaches_a_node_on_a_later_page(viewed):
    response = viewed.get(url("tree"), {"at": at("/trace"), "focus": "4321.3.0", "fragment": "1"})
    fragment = html5lib.parseFragment(response.content.decode(), namespaceHTMLElements=False)
    step = next(node for node in fragment if node.get("data-i") == "4321")
    assert step.get("open") is not None
    assert "message 4321" in "".join(step.itertext())


def test_subtree_without_javascript_is_a_whole_page_with_breadcrumbs(viewed):
    response = viewed.get(url("tree"), {"at": at("/trace/7")})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith("<!doctype html>")
    assert 'aria-label="Path in the record"' in html
    assert f'<a href="/runs/run_wide/tree?at={at("/trace")}">trace</a> / <code aria-current="page">7</code>' in html
    assert "message 7" in html


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"pointer": "/nope"}, 404),
        ({"pointer": "/trace/99999"}, 404),
        ({"pointer": "/id"}, 400),
        ({"pointer": "x"}, 404),
        ({"at": "0.99999"}, 404),
        ({"at": "0.-1"}, 400),
        ({"at": "a"}, 400),
        ({"at": "9" * 40}, 400),
        ({"at": "0..1"}, 400),
        ({"at": "01"}, 400),
        ({"at": "٣"}, 400),
        ({"pointer": "/trace/" + "9" * 5000}, 404),
        ({"at": "3", "offset": "9" * 5000}, 200),  # not a number: the first page, not a crash
        ({"at": "3", "end": "9" * 5000}, 200),
    ],
)
def test_subtree_of_a_bad_pointer_is_a_clear_error(viewed, params, status):
    assert viewed.get(url("tree"), params).status_code == status


def test_subtree_of_a_run_never_fetched_is_404(client):
    response = client.get(url("tree", "run_small"), {"pointer": ""})
    assert response.status_code == 404
    assert b"no stored record" in response.content


def test_search_covers_parts_not_in_the_page(viewed, archal):
    response = viewed.get(url("search"), {"q": "zebra-unique"})
    assert response.json() == {
        "query": "zebra-unique",
        "count": 1,
        "offset": 0,
        "nodes": [at("/needle/deep/deeper/deepest")],
    }
    assert archal.requests == []


def test_search_counts_every_match_and_lists_them_in_order(viewed):
    data = viewed.get(url("search"), {"q": "MESSAGE 49"}).json()
    assert data["count"] == 111  # message 49, 490-499, 4900-4999
    assert data["nodes"][0] == at("/trace/49/args/text")


def test_search_pages_through_matches_with_an_offset(viewed):
    data = viewed.get(url("search"), {"q": "slack.post", "offset": "2000"}).json()
    assert data["count"] == 2500
    assert len(data["nodes"]) == 500
    assert data["nodes"][0] == at("/trace/4001/tool")


def test_a_search_offset_past_any_number_is_the_first_page(viewed):
    data = viewed.get(url("search"), {"q": "slack.post", "offset": "9" * 5000}).json()
    assert data["count"] == 2500 and data["offset"] == 0


def test_overlong_search_is_refused(viewed):
    assert viewed.get(url("search"), {"q": "x" * 201}).status_code == 400


def test_raw_subtree_is_exact_json(viewed, archal):
    response = viewed.get(url("raw"), {"pointer": "/big_id"})
    assert response["Content-Type"] == "application/json"
    assert response.content == b"505874924095815681"
    step = json.loads(viewed.get(url("raw"), {"pointer": "/trace/3"}).content)
    assert step["args"]["text"] == "message 3"
    assert archal.requests == []


def test_raw_subtree_can_be_named_by_positions(viewed):
    assert viewed.get(url("raw"), {"at": at("/big_id")}).content == b"505874924095815681"


def test_raw_subtree_of_missing_pointer_is_404(viewed):
    assert viewed.get(url("raw"), {"pointer": "/trace/5000"}).status_code == 404
    assert viewed.get(url("raw"), {"at": "0.5000"}).status_code == 404


def test_locate_turns_pointers_into_positions_and_back(viewed, archal):
    expected = {"at": at("/trace/3/args/text"), "pointer": "/trace/3/args/text"}
    assert viewed.get(url("locate"), {"pointer": "/trace/3/args/text"}).json() == expected
    assert viewed.get(url("locate"), {"at": at("/trace/3/args/text")}).json() == expected
    missing = viewed.get(url("locate"), {"pointer": "/trace/" + "9" * 300})
    assert missing.status_code == 404
    assert len(missing.json()["error"]) < 300  # named, but cut short
    assert archal.requests == []


def test_raw_subtree_of_a_run_not_yet_fetched_fetches_it(client, archal):
    response = client.get(url("raw", "run_huge_int"), {"pointer": "/id"})
    assert response.content == b"123456789012345678901234567890"
    assert [path for path, _ in archal.requests] == ["/api/runs/run_huge_int"]


def test_pretty_raw_is_indented(viewed):
    text = viewed.get(url("raw"), {"pretty": "1"}).content.decode()
    assert text.startswith('{\n  "id": "run_wide"')


def test_unshowable_characters_never_break_a_page(client):
    response = client.get(url("detail", "run_unshowable"))
    assert response.status_code == 200
    assert "half \\ud800 pair" in response.content.decode()
    raw = client.get(url("raw", "run_unshowable"), {"pointer": "/s"})
    assert json.loads(raw.content) == "half \ud800 pair"
    found = client.get(url("search", "run_unshowable"), {"q": "half"}).json()
    assert found["nodes"] == ["0"]


def test_subtree_page_breadcrumbs_show_keys_no_page_could_hold_as_escapes(client):
    assert client.get(url("detail", "run_long_keys")).status_code == 200
    response = client.get(url("tree", "run_long_keys"), {"at": "2"})  # "lone \ud800"
    assert response.status_code == 200
    assert '<code aria-current="page">lone \\ud800</code>' in response.content.decode()


def test_subtree_page_of_a_deep_node_shows_its_nearest_ancestors(client):
    assert client.get(url("detail", "run_deep_chain")).status_code == 200
    response = client.get(url("tree", "run_deep_chain"), {"at": ".".join(["1"] * 30)})
    nav = html5lib.parseFragment(response.content.decode(), namespaceHTMLElements=False).find(".//nav")
    assert [a.text for a in nav.findall("a")] == ["record"] + ["next"] * 9
    assert "…" in "".join(nav.itertext())
