"""Run records as HTML: `render_json_tree(value)` returns a collapsible tree.

Pure Python, no templates: this is the hot path for records of tens of MB.
The walk uses an explicit stack (records nest 1,000 levels deep; recursion
would hit Python's limit), appends to one list and joins once. Every key and
scalar is escaped on its way in; only the finished string is marked safe.
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

OPEN_DEPTH = 2  # containers shallower than this start open


def json_pointer(parent: str, key: str | int) -> str:
    """Return the RFC 6901 pointer of `key` inside the node at `parent`."""
    token = str(key).replace("~", "~0").replace("/", "~1")
    return f"{parent}/{token}"


def _scalar_html(value: object) -> str:
    if isinstance(value, str):
        return f'<span class="json-string">"{escape(value)}"</span>'
    if value is True:
        return '<span class="json-bool">true</span>'
    if value is False:
        return '<span class="json-bool">false</span>'
    if value is None:
        return '<span class="json-null">null</span>'
    # int and float; Python ints are exact however large.
    return f'<span class="json-number">{escape(repr(value))}</span>'


def _count_label(container: dict | list) -> str:
    size = len(container)
    if isinstance(container, dict):
        return f"{size} key" if size == 1 else f"{size} keys"
    return f"{size} item" if size == 1 else f"{size} items"


def render_json_tree(value: object, *, open_depth: int = OPEN_DEPTH) -> SafeString:
    """Return the HTML tree of a JSON value: <details> per object or array."""
    out: list[str] = ['<div class="json-tree">']
    append = out.append
    # Items are (key_html, value, pointer, depth) to render, or closing markup.
    stack: list[tuple[str, object, str, int] | str] = [("", value, "", 0)]
    pop, push = stack.pop, stack.append
    while stack:
        item = pop()
        if type(item) is str:
            append(item)
            continue
        key_html, node, pointer, depth = item
        path_attr = escape(pointer)
        if isinstance(node, (dict, list)) and node:
            is_object = isinstance(node, dict)
            opened = " open" if depth < open_depth else ""
            kind = "object" if is_object else "array"
            append(
                f'<details class="json-node json-{kind}" data-path="{path_attr}"{opened}>'
                f"<summary>{key_html}"
                f'<span class="json-count">{_count_label(node)}</span></summary>'
                '<div class="json-children">'
            )
            push("</div></details>")
            entries = node.items() if is_object else enumerate(node)
            children = [
                (
                    f'<span class="json-key">{escape(str(key))}</span>'
                    if is_object
                    else f'<span class="json-index">{key}</span>',
                    child,
                    json_pointer(pointer, key),
                    depth + 1,
                )
                for key, child in entries
            ]
            children.reverse()
            stack.extend(children)
        else:
            if isinstance(node, dict):
                scalar = '<span class="json-empty">{}</span>'
            elif isinstance(node, list):
                scalar = '<span class="json-empty">[]</span>'
            else:
                scalar = _scalar_html(node)
            append(f'<div class="json-leaf" data-path="{path_attr}">{key_html}{scalar}</div>')
    append("</div>")
    return mark_safe("".join(out))  # every piece of data above went through escape()
