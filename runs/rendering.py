"""Run records as HTML: a collapsible tree whose size stays bounded.

Pure Python, no templates: this is the hot path for records of tens of MB.
A browser's cost follows the number of nodes in the page, so one response
renders at most `node_budget` of them: containers are loaded breadth-first
(top levels first) and show at most `page_size` children; the rest of a
container becomes a "more" link and deeper containers become placeholders,
both loaded on demand from the stored snapshot (see viewer.run_tree).
Nodes carry their position among their parent's children, not their path
(see paths.py), and keys and strings are cut at `string_chars`, so each
node's HTML is bounded; still, a render that would pass `byte_budget`
(escaping multiplies, characters take up to 4 bytes) starts again with half
the nodes.

Both passes use explicit stacks and queues (records nest 1,000 levels deep;
recursion would hit Python's limit) and append to one list joined once.
Every key and scalar is escaped on its way in; only the finished string is
marked safe.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, replace
from html import escape
from itertools import islice

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from runs.paths import Positions, child_positions, format_positions

URL_PATTERN = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f\ud800-\udfff]+\Z", re.IGNORECASE)
TIMESTAMP_PATTERN = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})\Z"
)
PREVIEW_CHARS = 60
# Characters a page cannot show (controls) or even encode (lone surrogates,
# which the stdlib parser lets through): shown as JSON escapes instead.
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def visible(text: str) -> str:
    """Return `text` with the characters a page cannot show as JSON escapes (\\u0000)."""
    if INVISIBLE.search(text) is None:
        return text
    return INVISIBLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


# Anything _text or _attr would change; most keys and values hold none of it,
# and one search is cheaper than the six passes that would find nothing.
NEEDS_ESCAPING = re.compile("[&<>\"'\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _text(text: str) -> str:
    """`text` as HTML text: visible and escaped."""
    if NEEDS_ESCAPING.search(text) is None:
        return text
    return escape(visible(text), quote=False)


def _attr(text: str) -> str:
    """`text` as an HTML attribute value: visible and escaped, quotes too."""
    if NEEDS_ESCAPING.search(text) is None:
        return text
    return escape(visible(text))


@dataclass(frozen=True)
class TreeLimits:
    node_budget: int = 1500  # nodes in one response, open or closed
    page_size: int = 100  # children of one container per page
    visible_budget: int = 150  # nodes the first view shows open
    string_chars: int = 300  # characters of a string (or key) shown before "show all"
    byte_budget: int = 900_000  # bytes of HTML in one response, whatever the nodes hold

    @classmethod
    def from_settings(cls) -> TreeLimits:
        return cls(
            node_budget=settings.TREE_NODE_BUDGET,
            page_size=settings.TREE_PAGE_SIZE,
            visible_budget=settings.TREE_VISIBLE_BUDGET,
            string_chars=settings.TREE_STRING_CHARS,
            byte_budget=settings.TREE_BYTE_BUDGET,
        )

    def halved(self) -> TreeLimits:
        return replace(self, node_budget=self.node_budget // 2, page_size=max(1, self.page_size // 2))


@dataclass(frozen=True)
class TreeLinks:
    """Where the tree's "load more" and "show all" links point (unescaped URLs)."""

    tree: str  # HTML of a subtree: ?at=&offset=&end=
    raw: str  # JSON of a subtree: ?at=


def _page_around(position: int | None, start: int, end: int, page_size: int) -> tuple[int, int]:
    """The page of children to render in [start, end), holding `position` if given."""
    if position is not None and start <= position < end:
        start += (position - start) // page_size * page_size
    return start, min(end, start + page_size)


# --- Scalars and previews -----------------------------------------------------


def _string_html(value: str, at: str, links: TreeLinks, limit: int) -> str:
    if len(value) > limit:
        shown = _text(value[:limit])
        url = escape(f"{links.raw}?at={at}")
        return (
            f'<span class="json-string json-truncated">"{shown}…"</span>'
            f' <a class="json-show-all" href="{url}">show all {len(value):,} characters</a>'
        )
    text = _text(value)
    if URL_PATTERN.match(value):
        href = _attr(value)
        return (
            f'<a class="json-string json-url" href="{href}" rel="noopener noreferrer"'
            f' target="_blank">"{text}"</a>'
        )
    if TIMESTAMP_PATTERN.match(value):
        return f'<time class="json-string json-time" datetime="{_attr(value)}">"{text}"</time>'
    return f'<span class="json-string">"{text}"</span>'


def _key_html(key: str, limit: int) -> str:
    """A key as shown. tree.js reads keys back from the page to write paths; a key the
    page cannot show as it is (cut short, escaped, or with a CR the parser would drop)
    is marked json-key-partial, and its paths come from the server."""
    if len(key) > limit:
        return f'<span class="json-key json-key-partial">{_text(key[:limit])}…</span>'
    if "\r" in key or INVISIBLE.search(key) is not None:
        return f'<span class="json-key json-key-partial">{_text(key)}</span>'
    return f'<span class="json-key">{_text(key)}</span>'


def _scalar_html(value: object) -> str:
    if value is True:
        return '<span class="json-bool">true</span>'
    if value is False:
        return '<span class="json-bool">false</span>'
    if value is None:
        return '<span class="json-null">null</span>'
    # int and float; Python ints are exact however large.
    return f'<span class="json-number">{escape(repr(value))}</span>'


def _preview_text(value: object) -> str:
    if isinstance(value, str):
        return '"' + (value[:20] + "…" if len(value) > 20 else value) + '"'
    if isinstance(value, dict):
        return "{…}" if value else "{}"
    if isinstance(value, list):
        return "[…]" if value else "[]"
    if value is None:
        return "null"
    return "true" if value is True else "false" if value is False else repr(value)


def _preview(container: dict | list) -> str:
    """A short look at a container's first entries, for its collapsed summary."""
    parts: list[str] = []
    length = 0
    entries = container.items() if isinstance(container, dict) else enumerate(container)
    for key, value in entries:
        part = _preview_text(value) if isinstance(container, list) else f"{key}: {_preview_text(value)}"
        parts.append(part)
        length += len(part) + 2
        if length > PREVIEW_CHARS:
            break
    text = ", ".join(parts)
    if len(text) > PREVIEW_CHARS:
        text = text[:PREVIEW_CHARS]
    if len(parts) < len(container) or len(text) < length - 2:
        text += " …"
    return _text(text)


def _count_label(container: dict | list) -> str:
    size = len(container)
    if isinstance(container, dict):
        return f"{size:,} key" if size == 1 else f"{size:,} keys"
    return f"{size:,} item" if size == 1 else f"{size:,} items"


# --- The tree -------------------------------------------------------------------

Focus = tuple[int, ...] | None  # positions still to follow to the focused node; None: off its path


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

    def _queue_children(self, queue, node, window, depth, focus: Focus) -> None:
        head = focus[0] if focus else None
        for position, _key, child in _children(node, *window):
            if isinstance(child, (dict, list)) and child:
                rest = focus[1:] if position == head else None
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
        stack: list[tuple[str, object, str, int, int, Focus] | str] = []
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
            if type(item) is str:
                append(item)
                continue
            key_html, node, parent_at, position, depth, rest = item
            if isinstance(node, (dict, list)) and node:
                kind = "object" if isinstance(node, dict) else "array"
                own_at = child_positions(parent_at, position)
                loaded = id(node) in self.windows
                opened = loaded and (depth < self.open_depth or rest is not None)
                preview = "" if opened else f'<span class="json-preview">{_preview(node)}</span>'
                append(
                    f'<details class="json-node json-{kind}" data-i="{position}"'
                    f'{" open" if opened else ""}><summary>{key_html}'
                    f'<span class="json-count">{_count_label(node)}</span>{preview}</summary>'
                    '<div class="json-children">'
                )
                if loaded:
                    stack.append("</div></details>")
                    self._push_children(stack, node, own_at, depth + 1, rest)
                else:
                    append(self.more_link(own_at, 0, len(node), placeholder=True))
                    append("</div></details>")
            else:
                if isinstance(node, str):
                    scalar = _string_html(node, child_positions(parent_at, position), links, limit)
                elif isinstance(node, dict):
                    scalar = '<span class="json-empty">{}</span>'
                elif isinstance(node, list):
                    scalar = '<span class="json-empty">[]</span>'
                else:
                    scalar = _scalar_html(node)
                append(f'<div class="json-leaf" data-i="{position}">{key_html}{scalar}</div>')

    def _push_children(self, stack, node, at: str, depth, focus: Focus) -> None:
        start, end = self.windows[id(node)]
        low, high = self.ranges.get(id(node), (0, len(node)))
        head = focus[0] if focus else None
        is_object = isinstance(node, dict)
        limit = self.limits.string_chars
        # Pushed in reverse, so they pop in document order.
        if end < high:
            stack.append(self.more_link(at, end, high))
        for position, key, child in reversed(_children(node, start, end)):
            key_html = _key_html(key, limit) if is_object else f'<span class="json-index">{key}</span>'
            rest = focus[1:] if position == head else None
            stack.append((key_html, child, at, position, depth, rest))
        if start > low:
            stack.append(self.more_link(at, low, start))

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
        leaf = _scalar_html(value) if not isinstance(value, (dict, list)) else (
            '<span class="json-empty">{}</span>' if isinstance(value, dict) else '<span class="json-empty">[]</span>'
        )
        if isinstance(value, str):
            leaf = _string_html(value, "", links, limits.string_chars)
        return mark_safe(f'<div class="json-tree"><div class="json-leaf">{leaf}</div></div>')
    kind = "object" if isinstance(value, dict) else "array"
    out = [
        f'<div class="json-tree"><details class="json-node json-{kind}" open>'
        f'<summary><span class="json-count">{_count_label(value)}</span></summary>'
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
