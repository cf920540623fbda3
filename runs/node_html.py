"""The HTML of a tree's parts: keys, scalars, previews and counts, and the limits and
links a render works within. Every piece of data is escaped here (runs/escaping.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from html import escape

from django.conf import settings
from django.urls import reverse

from runs.escaping import INVISIBLE, attr_html, text_html
from runs.markdown import looks_like_markdown
from runs.paths import looks_like_json

URL_PATTERN = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f\ud800-\udfff]+\Z", re.IGNORECASE)
TIMESTAMP_PATTERN = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})\Z"
)
PREVIEW_CHARS = 60


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
    table: str = ""  # an array of objects as a table: ?at=; "": no table links
    markdown: str = ""  # a string rendered as Markdown: ?at=; "": no such links


def tree_links(run_id: str) -> TreeLinks:
    """Return the URLs a run's tree links to for more nodes and whole strings."""
    return TreeLinks(
        tree=reverse("runs:tree", kwargs={"run_id": run_id}),
        raw=reverse("runs:raw", kwargs={"run_id": run_id}),
        table=reverse("runs:table", kwargs={"run_id": run_id}),
        markdown=reverse("runs:markdown", kwargs={"run_id": run_id}),
    )


# --- Scalars and previews -----------------------------------------------------


def string_html(value: str, at: str, links: TreeLinks, limit: int) -> str:
    """A string as shown: cut at `limit` with "show all", a link if a URL, a time if a timestamp;
    Markdown gets a "Rendered" link, and what looks like a JSON object or array an "Open as JSON"
    link to its parsed children (paths.py reads positions on through such a string)."""
    html = _plain_string_html(value, at, links, limit)
    if links.markdown and looks_like_markdown(value):
        url = escape(f"{links.markdown}?at={at}")
        html = f'{html} <a class="json-markdown" href="{url}">Rendered</a>'
    if at and looks_like_json(value):  # the root has no position for tree.js to open it at
        url = escape(f"{links.tree}?at={at}")
        kind = "object" if value[:64].lstrip(" \t\n\r")[:1] == "{" else "array"
        html = f'{html} <a class="json-embedded" href="{url}" data-kind="{kind}">Open as JSON</a>'
    return html


def _plain_string_html(value: str, at: str, links: TreeLinks, limit: int) -> str:
    if len(value) > limit:
        shown = text_html(value[:limit])
        url = escape(f"{links.raw}?at={at}")
        return (
            f'<span class="json-string json-truncated">"{shown}…"</span>'
            f' <a class="json-show-all" href="{url}">show all {len(value):,} characters</a>'
        )
    text = text_html(value)
    if URL_PATTERN.match(value):
        href = attr_html(value)
        return (
            f'<a class="json-string json-url" href="{href}" rel="noopener noreferrer"'
            f' target="_blank">"{text}"</a>'
        )
    if TIMESTAMP_PATTERN.match(value):
        return f'<time class="json-string json-time" datetime="{attr_html(value)}">"{text}"</time>'
    return f'<span class="json-string">"{text}"</span>'


def key_html(key: str, limit: int) -> str:
    """A key as shown. tree.js reads keys back from the page to write paths; a key the
    page cannot show as it is (cut short, escaped, or with a CR the parser would drop)
    is marked json-key-partial, and its paths come from the server."""
    if len(key) > limit:
        return f'<span class="json-key json-key-partial">{text_html(key[:limit])}…</span>'
    if "\r" in key or INVISIBLE.search(key) is not None:
        return f'<span class="json-key json-key-partial">{text_html(key)}</span>'
    return f'<span class="json-key">{text_html(key)}</span>'


def scalar_html(value: object) -> str:
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


def preview(container: dict | list) -> str:
    """A short look at a container's first entries, for its collapsed summary, as HTML."""
    return text_html(preview_text(container))


def preview_text(container: dict | list) -> str:
    """A short look at a container's first entries, as plain text."""
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
    return text


def count_label(container: dict | list) -> str:
    size = len(container)
    if isinstance(container, dict):
        return f"{size:,} key" if size == 1 else f"{size:,} keys"
    return f"{size:,} item" if size == 1 else f"{size:,} items"
