"""The first view of a record's tree, rendered once per record and reused.

A popular run is opened again and again while its record stays the same;
rendering its tree is most of the cost of its page (about 10 of 14 ms for a
1 MB record). The HTML depends only on the record (its digest), the run's
links and the tree limits, so it is kept per process, bounded by size.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict

from django.utils.safestring import SafeString

from runs.records import ParsedRecord
from runs.rendering import TreeLimits, render_json_tree
from runs.viewer import tree_links

CACHE_BYTES = 32 * 1024 * 1024  # of memory; a first view is at most TREE_BYTE_BUDGET of UTF-8, ~310 KB is usual

_cache: OrderedDict[tuple, SafeString] = OrderedDict()
_bytes = 0
_lock = threading.Lock()


def first_view(parsed: ParsedRecord) -> SafeString:
    """Return the HTML tree the run page shows first for `parsed`."""
    global _bytes
    limits = TreeLimits.from_settings()
    key = (parsed.run_id, parsed.sha256, limits)
    with _lock:
        html = _cache.get(key)
        if html is not None:
            _cache.move_to_end(key)
            return html
    # Rendered outside the lock: two threads may render the same view at once,
    # which costs a little time, where holding the lock would queue every page.
    html = render_json_tree(parsed.record, tree_links(parsed.run_id), limits)
    # In memory a str takes 1, 2 or 4 bytes a character, after its widest one.
    size = sys.getsizeof(html)
    if size > CACHE_BYTES // 16:
        return html  # TREE_BYTE_BUDGET set very high: one view is not worth a 16th of the cache
    with _lock:
        if key not in _cache:
            _cache[key] = html
            _bytes += size
        while _bytes > CACHE_BYTES and len(_cache) > 1:
            _, evicted = _cache.popitem(last=False)
            _bytes -= sys.getsizeof(evicted)
    return html


def forget_all() -> None:
    """Empty the cache (tests use this)."""
    global _bytes
    with _lock:
        _cache.clear()
        _bytes = 0
