"""The JSON tree renderer: escaping, shapes, depth."""

from __future__ import annotations

import html5lib
import pytest

from runs.node_html import TreeLimits, TreeLinks
from runs.paths import json_pointer, node_at, pointer_tokens, positions_of
from runs.rendering import render_children, render_json_tree
from tests.tree_nodes import find_children, find_node

LINKS = TreeLinks(tree="/runs/r/tree", raw="/runs/r/raw")
LIMITS = TreeLimits(node_budget=1500, page_size=100, visible_budget=150, string_chars=300)


def render(value, **options):
    return render_json_tree(value, LINKS, options.pop("limits", LIMITS), **options)


def parse(fragment: str):
    return html5lib.parseFragment(fragment, namespaceHTMLElements=False)


def test_markup_in_keys_and_values_is_text_not_elements():
    record = {"<script>alert(1)</script>": "<img src=x onerror=alert(2)>", "a": {"</details>": "&amp;"}}
    tree = parse(render(record))
    assert tree.findall(".//script") == [] and tree.findall(".//img") == []
    text = "".join(tree.itertext())
    assert "<script>alert(1)</script>" in text
    assert "<img src=x onerror=alert(2)>" in text
    assert "&amp;" in text  # shown as typed, not decoded


def test_nodes_carry_their_position_not_their_key():
    record = {"a": 1, '" onmouseover="alert(1)': 2}
    tree = parse(render(record))
    leaf = find_node(tree, record, '/" onmouseover="alert(1)')
    assert dict(leaf.attrib) == {"class": "json-leaf", "data-i": "1"}
    assert leaf.find("span[@class='json-key']").text == '" onmouseover="alert(1)'


def test_keys_the_page_cannot_show_as_they_are_are_marked_partial():
    record = {"plain": 1, "cr\r\n": 2, "nul\x00": 3, "k" * 400: 4}
    tree = parse(render(record))
    classes = [leaf.find("span").get("class") for leaf in tree.iter("div") if leaf.get("class") == "json-leaf"]
    assert classes == ["json-key", "json-key json-key-partial", "json-key json-key-partial", "json-key json-key-partial"]


def test_empty_containers_show_as_such():
    html = render({"o": {}, "a": []})
    assert '<span class="json-empty">{}</span>' in html
    assert '<span class="json-empty">[]</span>' in html


def test_scalars_are_typed():
    html = render({"s": "x", "i": 505874924095815681, "f": 0.5, "t": True, "n": None})
    assert '<span class="json-string">"x"</span>' in html
    assert '<span class="json-number">505874924095815681</span>' in html
    assert '<span class="json-number">0.5</span>' in html
    assert '<span class="json-bool">true</span>' in html
    assert '<span class="json-null">null</span>' in html


def test_containers_show_their_size():
    html = render({"one": [1], "many": {"a": 1, "b": 2}})
    assert "1 item" in html and "2 keys" in html


def test_small_records_open_their_top_levels_and_keep_deeper_ones_closed():
    record = {"a": {"b": {"c": {"d": 1}}}}
    tree = parse(render(record, limits=TreeLimits(visible_budget=2)))
    opened = {pointer: find_node(tree, record, pointer).get("open") is not None for pointer in ["", "/a", "/a/b", "/a/b/c"]}
    assert opened == {"": True, "/a": True, "/a/b": False, "/a/b/c": False}


def test_a_thousand_levels_deep_renders():
    record: dict = {}
    node = record
    for _ in range(1000):
        node["k"] = {}
        node = node["k"]
    node["leaf"] = "bottom"
    html = render(record, limits=TreeLimits(node_budget=5000, byte_budget=10_000_000))
    assert html.count("<details") == 1001  # the root and 1,000 levels
    assert '"bottom"' in html


@pytest.mark.parametrize(
    ("parent", "key", "pointer"),
    [("", "a", "/a"), ("/a", 3, "/a/3"), ("", "a/b", "/a~1b"), ("", "m~n", "/m~0n"), ("", "", "/")],
)
def test_paths_are_json_pointers(parent, key, pointer):
    assert json_pointer(parent, key) == pointer


def wide_record(steps: int = 5000) -> dict:
    return {"trace": [{"step": i, "tool": "slack.post", "args": {"text": f"m{i}"}} for i in range(steps)]}


def test_node_budget_bounds_the_page_however_large_the_record():
    small, large = wide_record(200), wide_record(50_000)
    limits = TreeLimits(node_budget=500, page_size=100)
    for record in (small, large):
        tree = parse(render(record, limits=limits))
        nodes = tree.findall(".//details") + tree.findall(".//div[@class='json-leaf']")
        assert len(nodes) <= 500 + 1


def chain(depth: int, key: str) -> dict:
    record: dict = {}
    node = record
    for _ in range(depth):
        node[key] = node = {}
    node["leaf"] = "bottom"
    return record


@pytest.mark.parametrize(
    "record",
    [
        # Nodes carry positions, not paths, but a deep chain's links still name every level.
        pytest.param(chain(1000, "k" * 100), id="deep-chain-of-long-keys"),
        # Escaping multiplies: "<" is 4 bytes of HTML, '"' 6 in a path attribute.
        pytest.param({f"s{j}": ["<" * 300] * 100 for j in range(14)}, id="strings-of-lt"),
        pytest.param({f"o{j}": {'"' * 250 + str(i): i for i in range(100)} for j in range(14)}, id="keys-of-quotes"),
        pytest.param({f"s{j}": ["€" * 300] * 100 for j in range(14)}, id="three-byte-characters"),
    ],
)
def test_byte_budget_bounds_the_html_of_hostile_records(record):
    limits = TreeLimits(byte_budget=200_000)
    html = render(record, limits=limits)
    assert len(html.encode()) <= 200_000
    assert parse(html).find(".//details[@data-i]") is not None  # still a tree, just smaller
    fragment = render_children(record, (), LINKS, limits=limits)
    assert len(fragment.encode()) <= 200_000


def test_a_record_within_the_byte_budget_is_rendered_in_full():
    record = chain(50, "k")
    assert render(record, limits=TreeLimits(byte_budget=10_000_000)) == render(record)
    assert '"bottom"' in render(record)


def test_long_keys_are_cut_in_view():
    key = "k" * 500
    html = render({key: 1}, limits=TreeLimits(string_chars=20))
    leaf = parse(html).find(".//div[@class='json-leaf']")
    assert leaf.find("span[@class='json-key json-key-partial']").text == "k" * 20 + "…"
    assert "k" * 21 not in html


def test_wide_array_shows_one_page_and_a_link_to_the_rest():
    html = render(wide_record(5000), limits=TreeLimits(page_size=100))
    tree = parse(html)
    steps = find_node(tree, {"trace": []}, "/trace").find("div[@class='json-children']").findall("details")
    assert len(steps) == 100
    more = tree.find(".//a[@class='json-more']")
    assert more.text == "… 4,900 more"
    assert more.get("href") == "/runs/r/tree?at=0&offset=100&end=5000"


def test_containers_beyond_the_budget_are_placeholders_that_load_on_demand():
    record = wide_record(300)
    tree = parse(render(record, limits=TreeLimits(node_budget=150, page_size=100)))
    step = find_node(tree, record, "/trace/99")
    link = step.find(".//a[@class='json-more']")
    assert link.text == "Load 3 entries"
    assert link.get("href") == "/runs/r/tree?at=0.99&offset=0&end=3"
    assert step.get("open") is None


def test_collapsed_containers_preview_their_first_entries():
    record = {"a": {"b": {"id": "run_1", "n": 2, "xs": [1]}}}
    tree = parse(render(record, limits=TreeLimits(visible_budget=1)))
    preview = find_node(tree, record, "/a/b").find("summary/span[@class='json-preview']")
    assert preview.text == 'id: "run_1", n: 2, xs: […]'


def test_focus_renders_and_opens_the_way_to_a_deep_node_beyond_the_budget():
    limits = TreeLimits(node_budget=50, page_size=10)
    record = wide_record(5000)
    html = render(record, limits=limits, focus=(0, 4321, 2, 0))
    tree = parse(html)
    leaf = find_node(tree, record, "/trace/4321/args/text")
    assert leaf is not None and leaf.get("class") == "json-leaf"
    for path in ["/trace", "/trace/4321", "/trace/4321/args"]:
        assert find_node(tree, record, path).get("open") is not None
    offsets = [(a.get("data-offset"), a.get("data-end")) for a in tree.iter("a") if a.get("class") == "json-more"]
    assert ("0", "4320") in offsets and ("4330", "5000") in offsets


def test_children_fragment_renders_one_page_of_a_span():
    trace = wide_record(5000)["trace"]
    tree = parse(render_children(trace, (0,), LINKS, span=(100, 5000), limits=LIMITS))
    positions = [n.get("data-i") for n in tree.findall("details")]
    assert positions == [str(i) for i in range(100, 200)]
    more = tree.find("a[@class='json-more']")
    assert more.get("data-offset") == "200" and more.get("href") == "/runs/r/tree?at=0&offset=200&end=5000"
    assert find_children(tree, trace, "/150/args/text").get("class") == "json-leaf"


def test_long_strings_are_cut_with_a_link_to_the_whole_value():
    tree = parse(render({"log": "x" * 1000}, limits=TreeLimits(string_chars=300)))
    assert tree.find(".//span[@class='json-string json-truncated']").text == '"' + "x" * 300 + '…"'
    link = tree.find(".//a[@class='json-show-all']")
    assert link.get("href") == "/runs/r/raw?at=0"


@pytest.mark.parametrize(
    ("value", "is_link"),
    [
        ("https://github.com/acme/web/issues/1", True),
        ("http://example.com/a?b=c&d=e", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("JAVASCRIPT://x.com/%0aalert(1)", False),
        (" https://padded.example.com", False),
        ("https://a.example.com and more words", False),
    ],
)
def test_only_http_urls_become_links(value, is_link):
    tree = parse(render({"u": value}))
    links = [a for a in tree.iter("a") if "json-url" in (a.get("class") or "")]
    assert bool(links) == is_link
    if is_link:
        assert links[0].get("href") == value
        assert links[0].get("rel") == "noopener noreferrer"


def test_timestamps_are_marked_for_relative_time():
    tree = parse(render({"at": "2025-11-04T14:21:07.318Z", "not": "2025-11-04"}))
    times = list(tree.iter("time"))
    assert [t.get("datetime") for t in times] == ["2025-11-04T14:21:07.318Z"]


def test_big_integers_are_shown_exactly():
    html = render({"id": 505874924095815681, "huge": 123456789012345678901234567890})
    assert "505874924095815681" in html and "123456789012345678901234567890" in html


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [("", {"a/b": [10, {"m~n": 2}]}), ("/a~1b", [10, {"m~n": 2}]), ("/a~1b/1/m~0n", 2), ("/a~1b/0", 10)],
)
def test_pointers_resolve_as_rfc_6901_says(pointer, expected):
    record = {"a/b": [10, {"m~n": 2}]}
    assert node_at(record, positions_of(record, pointer)) == expected


@pytest.mark.parametrize("pointer", ["/missing", "/a~1b/2", "/a~1b/01", "a", "/a~1b/-1"])
def test_pointers_that_do_not_resolve_raise_key_error(pointer):
    with pytest.raises(KeyError):
        positions_of({"a/b": [10, {"m~n": 2}]}, pointer)


def test_pointer_tokens_round_trip():
    assert pointer_tokens("/a~1b/~0c/0") == ["a/b", "~c", "0"]


def test_control_characters_and_lone_surrogates_show_as_escapes():
    html = render({"a\x00b": "bell\x07 and \ud800"})
    assert "a\\u0000b" in html and "bell\\u0007 and \\ud800" in html
    html.encode("utf-8")  # a lone surrogate would make the page unencodable


EMOJI_KEY = {"\N{GRINNING FACE}" * 300_000: {"a": 1}}  # 1.2 MB: one key and a small object


def test_one_huge_key_gives_a_small_page():
    html = render(EMOJI_KEY, limits=TreeLimits(byte_budget=900_000))
    # The key is shown cut short and named by its position: nowhere whole.
    assert len(html.encode()) < 5_000
    assert render(EMOJI_KEY, limits=TreeLimits(byte_budget=10**12)) == html


def test_a_focused_deep_chain_of_long_keys_stays_within_the_byte_budget():
    # A 300 KB record: 300 levels, each key 1,000 characters; the way to the
    # deepest node is written whatever the budget.
    record: dict = {}
    node = record
    for level in range(300):
        key = f"k{level:03d}" * 250
        node[key] = node = {}
    node["end"] = 1
    html = render_children(record, (), LINKS, focus=(0,) * 301, limits=TreeLimits(byte_budget=900_000))
    assert len(html.encode()) <= 900_000
    assert parse(html).find(".//span[@class='json-key']").text == "end"


def test_a_smaller_byte_budget_gives_a_smaller_page():
    # Each attempt halves the nodes, down to pages of one node, kept however big.
    record = [{f"{i}" + "<" * 299: "<" * 300 for i in range(50)} for _ in range(50)]
    sizes = [len(render(record, limits=TreeLimits(byte_budget=b)).encode()) for b in (10**12, 200_000, 1_000)]
    assert sizes[0] > sizes[1] > sizes[2] and sizes[1] <= 200_000


def test_a_focused_way_too_long_for_the_byte_budget_goes_as_deep_as_fits():
    record: dict = {"a": 1, "z": "end"}
    for _ in range(200):
        record = {"a": 1, "next": record, "z": "end"}
    html = render_children(record, (), LINKS, focus=(1,) * 200 + (1,), limits=TreeLimits(byte_budget=20_000))
    assert len(html.encode()) <= 20_000
    # Part of the way: tree.js asks again from the deepest node it got.
    assert 10 < html.count('<details class="json-node json-object" data-i="1" open>') < 200


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"])
def test_bidirectional_controls_are_shown_escaped_in_keys_and_values(control):
    html = render_json_tree({f"file{control}gnp.exe": f"report{control}gnp.exe"}, LINKS)
    assert control not in html
    escaped = f"\\u{ord(control):04x}"
    assert f"report{escaped}gnp.exe" in html
    assert f'<span class="json-key json-key-partial">file{escaped}gnp.exe</span>' in html  # its paths come from the server
