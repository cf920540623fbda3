"""Run records as HTML: a collapsible tree whose size stays bounded.

Pure Python, no templates: this is the hot path for records of tens of MB.
A browser's cost follows the number of nodes in the page, so one response
renders at most `node_budget` of them: containers are loaded breadth-first
(top levels first) and show at most `page_size` children; the rest of a
container becomes a "more" link and deeper containers become placeholders,
both loaded on demand from the stored snapshot (see views/viewer.py).
Nodes carry their position among their parent's children, not their path
(see paths.py; the parts' HTML: node_html.py), and keys and strings are cut at `string_chars`, so each
node's HTML is bounded; still, a render that would pass `byte_budget`
(escaping multiplies, characters take up to 4 bytes) starts again with half
the nodes.

Both passes use explicit stacks and queues (records nest 1,000 levels deep;
recursion would hit Python's limit) and append to one list joined once.
Every key and scalar is escaped on its way in; only the finished string is
marked safe.
"""

from __future__ import annotations

from collections import deque
from html import escape
from itertools import islice

from django.utils.safestring import SafeString, mark_safe

from runs.node_html import TreeLimits, TreeLinks, count_label, key_html, preview, scalar_html, string_html
from runs.paths import Positions, child_positions, format_positions
from runs.table import mostly_objects


def _page_around(position: int | None, start: int, end: int, page_size: int) -> tuple[int, int]:
    """The page of children to render in [start, end), holding `position` if given."""
    if position is not None and start <= position < end:
        start += (position - start) // page_size * page_size
    return start, min(end, start + page_size)


# --- The tree -------------------------------------------------------------------

Focus = tuple[int, ...] | None  # positions still to follow to the focused node; None: off its path
# A node still to write: its key's HTML, value, parent's positions, position, depth, focus.
_Item = tuple[str, object, str, int, int, Focus]


def _children(node: dict | list, start: int, end: int) -> list[tuple[int, str | int, object]]:
    """(position, key or index, value) of the children in [start, end)."""
    if isinstance(node, dict):
        return [(i, key, child) for i, (key, child) in enumerate(islice(node.items(), start, end), start=start)]
    return [(i, i, child) for i, child in enumerate(node[start:end], start=start)]


class _TreeWriter:
    """One render: plans what fits the budget, then writes it in document order."""

    def __init__(self, links: TreeLinks, limits: TreeLimits) -> None:
        self.links = links
        self.limits = limits
        self.windows: dict[int, tuple[int, int]] = {}  # id(container) -> children shown
        self.ranges: dict[int, tuple[int, int]] = {}  # id(container) -> children it stands for
        self.open_depth = 1

    def plan(self, root: dict | list, window: tuple[int, int], focus: Focus) -> None:
        """Choose, breadth-first, which containers show children and which levels open."""
        budget = self.limits.node_budget - (window[1] - window[0])
        self.windows[id(root)] = window
        shown_at_depth = [window[1] - window[0]]
        queue: deque[tuple[dict | list, int, int, int, Focus]] = deque()
        self._queue_children(queue, root, window, 1, focus)
        while queue:
            node, start, end, depth, rest = queue.popleft()
            cost = end - start
            if cost > budget and rest is None:
                continue  # stays a placeholder, loaded when opened
            budget -= cost
            self.windows[id(node)] = (start, end)
            if len(shown_at_depth) <= depth:
                shown_at_depth.append(0)
            shown_at_depth[depth] += cost
            self._queue_children(queue, node, (start, end), depth + 1, rest)
        # Open level by level while the first view stays readable.
        visible = 0
        for depth, shown in enumerate(shown_at_depth):
            visible += shown
            if depth > 0 and visible > self.limits.visible_budget:
                break
            self.open_depth = depth + 1

    def _queue_children(
        self,
        queue: deque[tuple[dict | list, int, int, int, Focus]],
        node: dict | list,
        window: tuple[int, int],
        depth: int,
        focus: Focus,
    ) -> None:
        head = focus[0] if focus else None
        for position, _key, child in _children(node, *window):
            if isinstance(child, (dict, list)) and child:
                rest = focus[1:] if position == head and focus else None
                start, end = _page_around(rest[0] if rest else None, 0, len(child), self.limits.page_size)
                queue.append((child, start, end, depth, rest))

    def write(self, out: list[str], root: dict | list, at: str, focus: Focus, max_chars: int | None) -> None:
        """Append the children of `root`, the node at positions `at` (its planned window
        and "more" links), to `out`.

        Raises _TooBig soon after `out` holds more than `max_chars` characters.
        """
        append = out.append
        limit = self.limits.string_chars
        links = self.links
        stack: list[_Item | str] = []
        self._push_children(stack, root, at, 1, focus)
        pop = stack.pop
        written, counted, steps = 0, 0, 0
        while stack:
            steps += 1
            if max_chars is not None and steps % 64 == 0:
                written += sum(map(len, out[counted:]))
                counted = len(out)
                if written > max_chars:
                    raise _TooBig
            item = pop()
            if isinstance(item, str):
                append(item)
                continue
            key_part, node, parent_at, position, depth, rest = item
            if isinstance(node, (dict, list)) and node:
                kind = "object" if isinstance(node, dict) else "array"
                own_at = child_positions(parent_at, position)
                loaded = id(node) in self.windows
                opened = loaded and (depth < self.open_depth or rest is not None)
                summary = "" if opened else f'<span class="json-preview">{preview(node)}</span>'
                append(
                    f'<details class="json-node json-{kind}" data-i="{position}"'
                    f'{" open" if opened else ""}><summary>{key_part}'
                    f'<span class="json-count">{count_label(node)}</span>{summary}</summary>'
                    f'<div class="json-children">{self.table_link(node, own_at)}'
                )
                if loaded:
                    stack.append("</div></details>")
                    self._push_children(stack, node, own_at, depth + 1, rest)
                else:
                    append(self.more_link(own_at, 0, len(node), placeholder=True))
                    append("</div></details>")
            else:
                if isinstance(node, str):
                    scalar = string_html(node, child_positions(parent_at, position), links, limit)
                elif isinstance(node, dict):
                    scalar = '<span class="json-empty">{}</span>'
                elif isinstance(node, list):
                    scalar = '<span class="json-empty">[]</span>'
                else:
                    scalar = scalar_html(node)
                append(f'<div class="json-leaf" data-i="{position}">{key_part}{scalar}</div>')

    def _push_children(self, stack: list[_Item | str], node: dict | list, at: str, depth: int, focus: Focus) -> None:
        start, end = self.windows[id(node)]
        low, high = self.ranges.get(id(node), (0, len(node)))
        head = focus[0] if focus else None
        limit = self.limits.string_chars
        # Pushed in reverse, so they pop in document order.
        if end < high:
            stack.append(self.more_link(at, end, high))
        for position, key, child in reversed(_children(node, start, end)):
            # An object's keys are strings, an array's indices ints (see _children).
            key_part = key_html(key, limit) if isinstance(key, str) else f'<span class="json-index">{key}</span>'
            rest = focus[1:] if position == head and focus else None
            stack.append((key_part, child, at, position, depth, rest))
        if start > low:
            stack.append(self.more_link(at, low, start))

    def table_link(self, node: dict | list, at: str) -> str:
        """A link to an array of objects as a table (runs/table.py), first among its children (a
        <summary> may hold nothing focusable); "" for anything else."""
        if not self.links.table or not isinstance(node, list) or not mostly_objects(node):
            return ""
        return f'<a class="json-table-link" href="{escape(self.links.table)}?at={at}">Show as a table</a>'

    def more_link(self, at: str, start: int, end: int, placeholder: bool = False) -> str:
        """A link that loads children [start, end) of the container at positions `at`."""
        url = f"{self.links.tree}?at={at}&offset={start}&end={end}"
        count = end - start
        if placeholder:
            label = f"Load {count:,} {'entry' if count == 1 else 'entries'}"
        else:
            label = f"… {count:,} more"
        return (
            f'<a class="json-more" href="{escape(url)}" data-offset="{start}" data-end="{end}">'
            f"{label}</a>"
        )


class _TooBig(Exception):
    """A render passed its byte budget."""


def _write_children(
    container: dict | list,
    at: str,
    span: tuple[int, int],
    focus: Positions,
    links: TreeLinks,
    limits: TreeLimits,
) -> str:
    """The HTML of the children in `span` of `container`, within the limits.

    Over the byte budget, try again with half the nodes and half the page
    size (every node's own part is bounded: keys and strings are cut at
    string_chars, positions take a few bytes a level, so each attempt is
    smaller). Down at one node a page, what is left is the way to a focused
    node, each level with "more" links that name all the levels above: go
    half as deep (tree.js asks again from where a response leaves off).
    """
    while True:
        writer = _TreeWriter(links, limits)
        window = _page_around(focus[0] if focus else None, span[0], span[1], limits.page_size)
        writer.ranges[id(container)] = span
        writer.plan(container, window, focus)
        last_try = limits.node_budget <= 1 and limits.page_size <= 1
        out: list[str] = []
        try:
            writer.write(out, container, at, focus, None if last_try else limits.byte_budget)
        except _TooBig:
            limits = limits.halved()
            continue
        html = "".join(out)
        # Characters undercount bytes outside ASCII: the budget is in bytes.
        if len(html) * 4 <= limits.byte_budget or len(html.encode()) <= limits.byte_budget:
            return html
        if not last_try:
            limits = limits.halved()
        elif focus:
            focus = focus[: len(focus) // 2]
        else:
            return html


def render_json_tree(
    value: object,
    links: TreeLinks,
    limits: TreeLimits | None = None,
    focus: Positions = (),
) -> SafeString:
    """Return the HTML tree of a whole record, within the node budget.

    `focus` names a node by positions; it and its ancestors are rendered and
    opened whatever the budget, so a deep link shows its node without more requests.
    """
    limits = limits or TreeLimits.from_settings()
    if not isinstance(value, (dict, list)) or not value:
        leaf = scalar_html(value) if not isinstance(value, (dict, list)) else (
            '<span class="json-empty">{}</span>' if isinstance(value, dict) else '<span class="json-empty">[]</span>'
        )
        if isinstance(value, str):
            leaf = string_html(value, "", links, limits.string_chars)
        return mark_safe(f'<div class="json-tree"><div class="json-leaf">{leaf}</div></div>')
    kind = "object" if isinstance(value, dict) else "array"
    out = [
        f'<div class="json-tree"><details class="json-node json-{kind}" open>'
        f'<summary><span class="json-count">{count_label(value)}</span></summary>'
        '<div class="json-children">'
    ]
    out.append(_write_children(value, "", (0, len(value)), tuple(focus), links, limits))
    out.append("</div></details></div>")
    return mark_safe("".join(out))  # every piece of data went through escape()


def render_children(
    container: dict | list,
    at: Positions,
    links: TreeLinks,
    span: tuple[int, int] | None = None,
    focus: Positions = (),
    limits: TreeLimits | None = None,
) -> SafeString:
    """Return the HTML of the children in `span` of `container`, the node at positions `at`.

    One page of them at most, with "more" links for the rest of the span;
    `focus`, the positions of a node below `container` counted from it, picks
    the page and opens the way to its node.
    """
    limits = limits or TreeLimits.from_settings()
    low, high = span or (0, len(container))
    high = max(0, min(high, len(container)))
    low = max(0, min(low, high))
    html = _write_children(container, format_positions(at), (low, high), tuple(focus), links, limits)
    return mark_safe(html)  # every piece of data went through escape()


def count_nodes(container: dict | list, limit: int) -> int:
    """Return how many nodes lie below `container` (children, theirs, and so on), or
    limit + 1 once that passes `limit`: at most `limit` children are ever looked at.

    tree.js asks this before "Expand all" fetches what is not loaded. A string
    counts as one node, whatever JSON it holds.
    """
    count = 0
    stack: list[dict | list] = [container]
    while stack:
        node = stack.pop()
        count += len(node)
        if count > limit:
            return limit + 1
        children = node.values() if isinstance(node, dict) else node
        stack.extend(child for child in children if isinstance(child, (dict, list)) and child)
    return count
