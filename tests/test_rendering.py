"""The JSON tree renderer: escaping, shapes, depth."""

from __future__ import annotations

import html5lib
import pytest

from runs.rendering import json_pointer, render_json_tree


def parse(fragment: str):
    return html5lib.parseFragment(fragment, namespaceHTMLElements=False)


def test_markup_in_keys_and_values_is_text_not_elements():
    record = {"<script>alert(1)</script>": "<img src=x onerror=alert(2)>", "a": {"</details>": "&amp;"}}
    tree = parse(render_json_tree(record))
    assert tree.findall(".//script") == [] and tree.findall(".//img") == []
    text = "".join(tree.itertext())
    assert "<script>alert(1)</script>" in text
    assert "<img src=x onerror=alert(2)>" in text
    assert "&amp;" in text  # shown as typed, not decoded


def test_quotes_cannot_break_out_of_the_path_attribute():
    tree = parse(render_json_tree({'" onmouseover="alert(1)': 1}))
    leaf = tree.find(".//div[@class='json-leaf']")
    assert leaf.get("data-path") == '/" onmouseover="alert(1)'
    assert leaf.get("onmouseover") is None


def test_empty_containers_show_as_such():
    html = render_json_tree({"o": {}, "a": []})
    assert '<span class="json-empty">{}</span>' in html
    assert '<span class="json-empty">[]</span>' in html


def test_scalars_are_typed():
    html = render_json_tree({"s": "x", "i": 505874924095815681, "f": 0.5, "t": True, "n": None})
    assert '<span class="json-string">"x"</span>' in html
    assert '<span class="json-number">505874924095815681</span>' in html
    assert '<span class="json-number">0.5</span>' in html
    assert '<span class="json-bool">true</span>' in html
    assert '<span class="json-null">null</span>' in html


def test_containers_show_their_size():
    html = render_json_tree({"one": [1], "many": {"a": 1, "b": 2}})
    assert "1 item" in html and "2 keys" in html


def test_top_levels_start_open_and_deeper_ones_closed():
    tree = parse(render_json_tree({"a": {"b": {"c": 1}}}))
    opened = {node.get("data-path"): node.get("open") is not None for node in tree.iter("details")}
    assert opened == {"": True, "/a": True, "/a/b": False}


def test_a_thousand_levels_deep_renders():
    record: dict = {}
    node = record
    for _ in range(1000):
        node["k"] = {}
        node = node["k"]
    node["leaf"] = "bottom"
    html = render_json_tree(record)
    assert html.count("<details") == 1001  # the root and 1,000 levels
    assert '"bottom"' in html


@pytest.mark.parametrize(
    ("parent", "key", "pointer"),
    [("", "a", "/a"), ("/a", 3, "/a/3"), ("", "a/b", "/a~1b"), ("", "m~n", "/m~0n"), ("", "", "/")],
)
def test_paths_are_json_pointers(parent, key, pointer):
    assert json_pointer(parent, key) == pointer
