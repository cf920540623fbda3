"""Property: any JSON object renders to HTML whose data is text, never markup."""

from __future__ import annotations

import html5lib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runs.escaping import visible
from runs.node_html import TreeLimits, TreeLinks
from runs.rendering import render_json_tree
from tests import strategies

EVERYTHING = TreeLimits(node_budget=10**6, page_size=10**6, visible_budget=10**6, string_chars=10**6)
LINKS = TreeLinks(tree="/runs/r/tree", raw="/runs/r/raw")

# Text an agent might produce, biased towards markup and the characters that matter.
markupish = st.text(alphabet=st.sampled_from(list("<>&\"'/=` scriptimgonerror:()\n\t\\!-[]{}é😀")), max_size=40)
any_text = st.one_of(markupish, st.text(max_size=20), st.text(st.characters(exclude_categories=()), max_size=8))
json_values = strategies.json_values(any_text, max_items=4, max_keys=4, max_leaves=25)
json_objects = st.dictionaries(any_text, json_values, max_size=5)


def strings_in(value: object) -> list[str]:
    found, stack = [], [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            found.append(node)
    return found


def html5_parse_text(markup: str) -> tuple[str, list[str]]:
    tree = html5lib.parseFragment(markup, namespaceHTMLElements=False)
    tags = sorted({element.tag for element in tree.iter() if element is not tree})
    return "".join(tree.itertext()), tags


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_objects)
def test_every_key_and_string_is_text_and_no_markup_leaks(record):
    text, tags = html5_parse_text(render_json_tree(record, LINKS, EVERYTHING))
    assert set(tags) <= {"details", "summary", "div", "span", "a", "time"}
    for string in strings_in(record):
        # Controls show as JSON escapes; the parser folds \r\n and \r into \n, as browsers do.
        assert visible(string).replace("\r\n", "\n").replace("\r", "\n") in text
