"""Finding text anywhere in a record: keys and values, case-insensitive substrings.

Walking tens of MB of parsed JSON per keystroke is too slow, so a record is
indexed once: every node's key and scalar value, lower-cased, go into one big
string, and a search is a loop of C-speed `str.find` calls over it. Each hit
maps back to its node by bisecting the nodes' start offsets.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass

from runs.rendering import json_pointer

KEY_MARK = "\x1f"  # between a node's key and its value
NODE_MARK = "\x1e"  # between nodes; neither can be typed into a query


@dataclass(frozen=True)
class SearchResult:
    count: int  # nodes that match
    pointers: list[str]  # JSON Pointers of the requested matches, in document order


class SearchIndex:
    def __init__(self, record: object) -> None:
        texts: list[str] = []
        starts = array("q")
        parents = array("q")
        keys: list[str | int] = []
        offset = 0
        # Explicit stack, document order: (parent node number, key, value).
        stack: list[tuple[int, str | int, object]] = [(-1, "", record)]
        while stack:
            parent, key, value = stack.pop()
            number = len(keys)
            keys.append(key)
            parents.append(parent)
            if isinstance(value, dict):
                stack.extend((number, k, v) for k, v in reversed(value.items()))
                value_text = ""
            elif isinstance(value, list):
                stack.extend((number, i, v) for i, v in reversed(list(enumerate(value))))
                value_text = ""
            elif isinstance(value, str):
                value_text = value
            elif value is None:
                value_text = "null"
            elif value is True or value is False:
                value_text = "true" if value else "false"
            else:
                value_text = repr(value)
            key_text = key if isinstance(key, str) else ""
            text = f"{key_text}{KEY_MARK}{value_text}{NODE_MARK}".lower()
            starts.append(offset)
            offset += len(text)
            texts.append(text)
        self._text = "".join(texts)
        self._starts = starts
        self._parents = parents
        self._keys = keys

    def search(self, query: str, limit: int = 500, offset: int = 0) -> SearchResult:
        """Return how many nodes match `query`, and pointers of matches [offset, offset + limit)."""
        needle = query.lower()
        if not needle or KEY_MARK in needle or NODE_MARK in needle:
            return SearchResult(0, [])
        text, starts, find = self._text, self._starts, self._text.find
        matches: list[int] = []
        count = 0
        position = find(needle)
        while position != -1 and count < offset + limit:
            node = bisect_right(starts, position) - 1
            if count >= offset:
                matches.append(node)
            count += 1
            # Skip to the next node: one hit per node is enough.
            position = find(needle, starts[node + 1] if node + 1 < len(starts) else len(text))
        if position != -1:
            # Past the requested matches only their number is needed, and a short
            # query matches most nodes of a big record: count in C, each match
            # running on to the end of its node so that a node counts once.
            rest = re.compile(re.escape(needle) + f"[^{NODE_MARK}]*()")
            count += len(rest.findall(text, position))
        return SearchResult(count, [self._pointer(node) for node in matches])

    def _pointer(self, node: int) -> str:
        tokens: list[str | int] = []
        while node > 0:
            tokens.append(self._keys[node])
            node = self._parents[node]
        pointer = ""
        for token in reversed(tokens):
            pointer = json_pointer(pointer, token)
        return pointer
