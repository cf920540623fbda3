"""Markdown in a record (agent outputs, reports) rendered for reading, safely.

markdown-it-py in CommonMark mode with raw HTML off (it shows as text), links
only to http(s) (anything else stays text), images off (a record must not make
the browser fetch from elsewhere; the CSP would refuse them anyway) and links
that open apart from the dashboard with no referrer.
"""

from __future__ import annotations

import re

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

MARKDOWN_CHARS = 200_000  # of a string rendered; past it the rest is left out, and the page says so
MIN_CHARS = 40  # shorter strings are never offered as Markdown
SNIFF_CHARS = 2000  # of a string looked at for Markdown signs: the tree's render stays bounded per node
# A line that opens a heading, list, quote or fence, or inline emphasis, code or a link.
MARKDOWN_SIGNS = re.compile(r"(?m)^(?:#{1,6} |[-*+] |\d+[.)] |> |```)|\*\*[^*\n]+\*\*|`[^`\n]+`|\]\(https?://")


def _http_only(url: str) -> bool:
    return url.strip().lower().startswith(("http://", "https://"))


def _link_open(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
    tokens[idx].attrSet("target", "_blank")
    return self.renderToken(tokens, idx, options, env)


_markdown = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).disable("image")
_markdown.validateLink = _http_only  # type: ignore[method-assign]  # markdown-it-py's documented hook
_markdown.add_render_rule("link_open", _link_open)


def looks_like_markdown(text: str) -> bool:
    """Whether a string is worth offering rendered: long enough, with a line break and a Markdown sign."""
    return len(text) >= MIN_CHARS and "\n" in text[:SNIFF_CHARS] and MARKDOWN_SIGNS.search(text, 0, SNIFF_CHARS) is not None


def render_markdown(text: str) -> tuple[SafeString, bool]:
    """The HTML of `text` as Markdown, and whether it was cut at MARKDOWN_CHARS."""
    cut = len(text) > MARKDOWN_CHARS
    tokens = _markdown.parse(text[:MARKDOWN_CHARS])
    _headings_from(2, tokens)
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return mark_safe(html), cut  # raw HTML off: markdown-it escaped it


def _headings_from(top: int, tokens: list[Token]) -> None:
    """Renumber the headings so the highest is an h`top` and no level is skipped: they sit under
    the page's own h1, in order (levels ranked: h3, h4, h6 become h2, h3, h4)."""
    headings = [token for token in tokens if token.type in ("heading_open", "heading_close")]
    levels = sorted({token.tag for token in headings})
    for token in headings:
        token.tag = f"h{min(6, top + levels.index(token.tag))}"
