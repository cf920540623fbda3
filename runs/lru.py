"""A least-recently-used cache bounded by the memory of what it holds, safe across threads.

Parsed records (runs/records.py) and rendered first views (runs/tree_cache.py)
are kept with it, each in every web process. The newest entry is always kept,
however big: a record larger than the whole bound is still worth keeping while
it is the one being read.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

V = TypeVar("V")


class SizedLRU(Generic[V]):
    def __init__(
        self,
        max_bytes: Callable[[], int],
        size_of: Callable[[V], int],
        on_drop: Callable[[V], None] = lambda value: None,
    ) -> None:
        """`max_bytes` is read at every put (settings may change); `on_drop` is called, outside
        the lock, for each value evicted or replaced by another."""
        self._max_bytes = max_bytes
        self._size_of = size_of
        self._on_drop = on_drop
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """The value kept under `key`, now the most recently used; None if there is none."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, value: V, replace: bool = True) -> V:
        """Keep `value` under `key` and evict the least recently used past the bound.

        With replace=False a value already kept under `key` stays, and is returned.
        """
        dropped: list[V] = []
        size = self._size_of(value)
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None and not replace:
                return kept[0]
            if kept is not None:
                self._bytes -= kept[1]
                if kept[0] is not value:
                    dropped.append(kept[0])
            self._entries[key] = (value, size)
            self._entries.move_to_end(key)
            self._bytes += size
            limit = self._max_bytes()
            while len(self._entries) > 1 and self._bytes > limit:
                _, (evicted, evicted_size) = self._entries.popitem(last=False)
                self._bytes -= evicted_size
                dropped.append(evicted)
        for old in dropped:
            self._on_drop(old)
        return value

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            dropped = [value for value, _size in self._entries.values()]
            self._entries.clear()
            self._bytes = 0
        for old in dropped:
            self._on_drop(old)

    @property
    def bytes_held(self) -> int:
        """The sizes of the values kept, added up (as `size_of` counted them at each put)."""
        return self._bytes

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._entries)

    def values(self) -> list[V]:
        with self._lock:
            return [value for value, _size in self._entries.values()]

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._entries)
