"""Finding a node of a rendered tree by the JSON Pointer a person would name it with.

The page names nodes by position among their parent's children (data-i),
so the way there is worked out from the record itself.
"""

from __future__ import annotations

from runs.paths import positions_of


def node_selector(record: object, pointer: str) -> str:
    """A CSS selector for the node at `pointer` in a run page's tree."""
    steps = "".join(f' > .json-children > [data-i="{position}"]' for position in positions_of(record, pointer))
    return f".json-tree > .json-node{steps}"


def find_node(tree, record: object, pointer: str):
    """The element of the node at `pointer` in a tree parsed with html5lib (ElementTree), or None."""
    node = tree.find(".//div[@class='json-tree']/*")
    for position in positions_of(record, pointer):
        children = node.find("div[@class='json-children']") if node is not None else None
        if children is None:
            return None
        node = next((child for child in children if child.get("data-i") == str(position)), None)
    return node


def find_children(fragment, record: object, pointer: str):
    """The element of the node at `pointer`, in a fragment holding children of the root."""
    positions = positions_of(record, pointer)
    nodes = list(fragment)
    node = None
    for position in positions:
        node = next((child for child in nodes if child.get("data-i") == str(position)), None)
        if node is None:
            return None
        children = node.find("div[@class='json-children']")
        nodes = list(children) if children is not None else []
    return node
