"""Where TREE_BYTE_BUDGET does not hold yet: keys so long that their paths alone pass it.

Every node carries its whole JSON Pointer (data-path, and percent-encoded in
"more" links), so halving the nodes cannot shrink one huge key, nor the way
to a focused node under a chain of long keys. The fix is to address nodes
relative to their parent; until then these are expected failures (strict: a
fix that makes one pass must remove its mark).
"""

from __future__ import annotations

import pytest

from runs.rendering import TreeLimits, TreeLinks, json_pointer, render_children, render_json_tree

LINKS = TreeLinks(tree="/runs/r/tree", raw="/runs/r/raw")
BUDGET = 900_000


@pytest.mark.xfail(strict=True, reason="known: every node carries its whole path")
def test_one_long_key_gives_a_page_within_the_byte_budget():
    # A 1.2 MB record: one key of 300,000 emoji holding a small object.
    record = {"\N{GRINNING FACE}" * 300_000: {"a": 1}}
    html = render_json_tree(record, LINKS, TreeLimits(byte_budget=BUDGET))
    # Now ~4.8 MB: the key whole in data-path, and percent-encoded (12 bytes
    # per emoji) in the placeholder's href that the last retry adds.
    assert len(html.encode()) <= BUDGET


@pytest.mark.xfail(strict=True, reason="known: every node carries its whole path")
def test_retrying_within_the_byte_budget_never_makes_the_page_bigger():
    record = {"\N{GRINNING FACE}" * 300_000: {"a": 1}}
    unbounded = render_json_tree(record, LINKS, TreeLimits(byte_budget=10**12))
    bounded = render_json_tree(record, LINKS, TreeLimits(byte_budget=BUDGET))
    # Now 4.8 MB against 3.6 MB: halving down to node_budget 0 turns the
    # object into a placeholder whose href carries the pointer percent-encoded.
    assert len(bounded.encode()) <= len(unbounded.encode())


@pytest.mark.xfail(strict=True, reason="known: every node carries its whole path")
def test_a_focused_deep_chain_of_long_keys_stays_within_the_byte_budget():
    # A 300 KB record: 300 levels, each key 1,000 characters. ?focus= on the
    # tree endpoint (and a search hit's reveal) asks for its deepest node.
    record: dict = {}
    node, pointer = record, ""
    for level in range(300):
        key = f"k{level:03d}" * 250
        node[key] = node = {}
        pointer = json_pointer(pointer, key)
    node["end"] = 1
    html = render_children(record, "", LINKS, focus=pointer, limits=TreeLimits(byte_budget=BUDGET))
    # Now ~45 MB (150x the record; depth² x key length): the way to a focused
    # node is written "whatever its size", each node carrying its whole path.
    assert len(html.encode()) <= 10 * BUDGET
