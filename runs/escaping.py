"""Untrusted text made safe to put in a page: visible, then HTML-escaped.

Every key and value of a record passes through `text_html` or `attr_html` on
its way into a page (runs/rendering.py, runs/node_html.py); only finished
HTML is marked safe.
"""

from __future__ import annotations

import re
from html import escape

# Characters a page cannot show (controls), must not show as they are
# (bidirectional controls, which make ".../\u202egnp.exe" read ".../exe.png")
# or cannot even encode (lone surrogates, which the stdlib parser lets
# through): shown as JSON escapes instead.
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def visible(text: str) -> str:
    """Return `text` with the characters a page cannot show as JSON escapes (\\u0000)."""
    if INVISIBLE.search(text) is None:
        return text
    return INVISIBLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


# Anything text_html or attr_html would change; most keys and values hold none of it,
# and one search is cheaper than the six passes that would find nothing.
NEEDS_ESCAPING = re.compile("[&<>\"'\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def text_html(text: str) -> str:
    """`text` as HTML text: visible and escaped."""
    if NEEDS_ESCAPING.search(text) is None:
        return text
    return escape(visible(text), quote=False)


def attr_html(text: str) -> str:
    """`text` as an HTML attribute value: visible and escaped, quotes too."""
    if NEEDS_ESCAPING.search(text) is None:
        return text
    return escape(visible(text))
