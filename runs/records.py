"""Parsed records kept in memory, so subtrees and searches need no re-parse.

The run page puts the record it just fetched here; subtree and search
requests read it back, or parse the run's stored snapshot when this process
has not seen it (no new upstream call either way). The cache is bounded by
the size of the JSON it holds and keyed by the snapshot's digest, so a newer
fetch of the same run replaces the old record.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from runs import jsonio
from runs.models import Snapshot
from runs.search import SearchIndex


@dataclass
class ParsedRecord:
    run_id: str
    sha256: str
    size_bytes: int
    fetched_at: datetime
    record: dict
    _index: SearchIndex | None = field(default=None, repr=False)
    _index_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def search_index(self) -> SearchIndex:
        """Return the record's search index, building it on first use."""
        with self._index_lock:
            if self._index is None:
                self._index = SearchIndex(self.record)
            return self._index


_cache: OrderedDict[str, ParsedRecord] = OrderedDict()
_lock = threading.Lock()


def remember(parsed: ParsedRecord) -> None:
    """Keep a parsed record, evicting the least recently used beyond the size bound."""
    with _lock:
        _cache[parsed.run_id] = parsed
        _cache.move_to_end(parsed.run_id)
        total = sum(item.size_bytes for item in _cache.values())
        while len(_cache) > 1 and total > settings.RECORD_CACHE_BYTES:
            _, evicted = _cache.popitem(last=False)
            total -= evicted.size_bytes


def load(run_id: str) -> ParsedRecord | None:
    """Return the run's last fetched record, parsed; None if none was stored."""
    current = Snapshot.objects.filter(run_id=run_id).values("sha256", "fetched_at").first()
    if current is None:
        return None
    with _lock:
        cached = _cache.get(run_id)
        if cached is not None and cached.sha256 == current["sha256"]:
            _cache.move_to_end(run_id)
            return cached
    snapshot = Snapshot.objects.filter(run_id=run_id).only("body", "sha256", "fetched_at").first()
    if snapshot is None:
        return None
    body = bytes(snapshot.body)
    parsed = ParsedRecord(
        run_id=run_id,
        sha256=snapshot.sha256,
        size_bytes=len(body),
        fetched_at=snapshot.fetched_at,
        record=jsonio.parse(body),  # it was valid when stored
    )
    remember(parsed)
    return parsed


def forget_all() -> None:
    """Empty the cache (tests use this to force a read from the database)."""
    with _lock:
        _cache.clear()
