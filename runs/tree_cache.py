"""The parts of a run page that depend only on the record, rendered once per record and reused.

A popular run is opened again and again while its record stays the same;
rendering its tree is most of the cost of its page (about 10 of 14 ms for a
1 MB record), and its summary, criteria and first steps most of the rest
(about 5 ms of template). Their HTML depends only on the record (its
digest), the run's links and the tree limits, so it is kept per process,
bounded by size.
"""

from __future__ import annotations

import sys

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from runs.lru import SizedLRU
from runs.node_html import TreeLimits, tree_links
from runs.records import ParsedRecord
from runs.rendering import render_json_tree

CACHE_BYTES = 32 * 1024 * 1024  # of memory; a first view is at most TREE_BYTE_BUDGET of UTF-8, ~310 KB is usual

# In memory a str takes 1, 2 or 4 bytes a character, after its widest one.
_cache: SizedLRU[SafeString] = SizedLRU(max_bytes=lambda: CACHE_BYTES, size_of=sys.getsizeof)


def first_view(parsed: ParsedRecord) -> SafeString:
    """Return the HTML tree the run page shows first for `parsed`."""
    limits = TreeLimits.from_settings()
    key = (parsed.run_id, parsed.sha256, limits)
    html = _cache.get(key)
    if html is not None:
        return html
    # Rendered outside any lock: two threads may render the same view at once,
    # which costs a little time, where holding a lock would queue every page.
    html = render_json_tree(parsed.record, tree_links(parsed.run_id), limits)
    if sys.getsizeof(html) > CACHE_BYTES // 16:
        return html  # TREE_BYTE_BUDGET set very high: one view is not worth a 16th of the cache
    return _cache.put(key, html, replace=False)


def run_regions(parsed: ParsedRecord) -> SafeString:
    """Return the run page's summary, criteria and first steps for `parsed` (empty if it
    reads as no run)."""
    key = (parsed.run_id, parsed.sha256, "regions")
    html = _cache.get(key)
    if html is None:
        context = {"summary": parsed.summary, "run_id": parsed.run_id}
        # The template escapes every value of the record; its output is HTML.
        html = mark_safe(render_to_string("runs/_run_summary.html", context))
        if sys.getsizeof(html) <= CACHE_BYTES // 16:  # as for first views: 50 criteria of escaped text can be MBs
            html = _cache.put(key, html, replace=False)
    return html


def forget_all() -> None:
    """Empty the cache (tests use this)."""
    _cache.clear()
