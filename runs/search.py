"""Finding text anywhere in a record: keys and values, case-insensitive substrings.

Walking tens of MB of parsed JSON per keystroke is too slow, so a record is
indexed once: every node's key and scalar value, lower-cased, go into one big
text, node after node in document order, each node starting with NODE_MARK,
and a search is a loop of C-speed `find` calls over it. A hit's node is found
from where its block of BLOCK_NODES nodes starts and the NODE_MARKs between
there and the hit. The text is UTF-8, half the memory of a str that holds any
character beyond Latin-1, and as exact for substrings: no character's bytes
occur inside another's.

The build is one walk over the record that keeps nothing per node but its
text (a record of 50 MB has over a million nodes) and copies no value. The
positions of a node (see paths.py) are worked out only for the matches a
search returns, from three numbers kept per object or array.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate, islice, repeat
from typing import Any

from runs.paths import Positions, pointer_at

KEY_MARK = "\x1f"  # between a node's key and its value
NODE_MARK = "\x1e"  # before each node; neither can be typed into a query
NODE_END = NODE_MARK.encode()
BLOCK_NODES = 64  # nodes per block of the text, whose start offsets are kept
CHECK_EVERY = 1024  # containers closed between two calls of a build's checkpoint
TABLES_FROM = 64  # containers inside a container from which its children are looked up in a table


@dataclass(frozen=True)
class SearchResult:
    count: int  # nodes that match
    nodes: list[int]  # numbers of the requested matches, in document order


@dataclass(frozen=True)
class IndexParts:
    """A built index without its record: the text, the blocks' offsets, the containers'
    starts, ends and skips, and the number of nodes."""

    text: bytes
    blocks: array
    starts: array
    ends: array
    skips: array
    nodes: int


class SearchIndex:
    """A record's keys and scalar values as one lower-cased UTF-8 text.

    Nodes are numbered in document order, the record itself 0. Objects and
    arrays ("containers") are numbered in document order too; for each the
    index keeps its node number (`_starts`), the node number after its last
    descendant (`_ends`), and the number of the next container not inside it
    (`_skips`).
    """

    def __init__(self, record: object, checkpoint: Callable[[], None] | None = None) -> None:
        """Index `record`, a parsed JSON value (dicts, lists, str, int, float, bool, None).

        `checkpoint`, if given, is called every so often during the build and may raise to stop it.
        """
        texts, self._starts, self._ends, self._skips = _node_texts(record, checkpoint)
        self._record: object = record
        self._nodes = len(texts) // 2
        self._text, self._blocks = _join_lowered(texts)
        if self._text.count(NODE_END) != self._nodes:
            # A key or string holds a NODE_MARK of its own, which would pass for
            # the start of a node: make it a KEY_MARK, which no query matches either.
            texts = [text.replace(NODE_MARK, KEY_MARK) for text in texts]
            texts[0::2] = [NODE_MARK + text[1:] for text in texts[0::2]]
            self._text, self._blocks = _join_lowered(texts)
        # The inner containers of containers with many containers inside, by
        # container number, once a search needed them (see _child_holding).
        self._tables: dict[int, tuple[array, array, array]] = {}
        self._byte_counts: dict[bytes, int] = {}  # nodes holding a one-byte query, once counted

    @classmethod
    def restored(cls, parts: IndexParts) -> SearchIndex:
        """An index from the parts of one built before (runs/cold.py keeps them with the
        snapshot). It finds nodes and their positions; `pointers` needs the record."""
        index = cls.__new__(cls)
        index._text, index._blocks = parts.text, parts.blocks
        index._starts, index._ends, index._skips = parts.starts, parts.ends, parts.skips
        index._nodes, index._record = parts.nodes, None
        index._tables, index._byte_counts = {}, {}
        return index

    def parts(self) -> IndexParts:
        """What `restored` needs to make this index again without the record."""
        return IndexParts(self._text, self._blocks, self._starts, self._ends, self._skips, self._nodes)

    def search(self, query: str, limit: int = 500, offset: int = 0) -> SearchResult:
        """Return how many nodes match `query`, and the numbers of matches [offset, offset + limit)."""
        lowered = query.lower()
        if not lowered or KEY_MARK in lowered or NODE_MARK in lowered:
            return SearchResult(0, [])
        needle = _utf8(lowered)
        text, blocks = self._text, self._blocks
        find, marks = text.find, text.count
        matches: list[int] = []
        count = 0
        position = find(needle)
        total: int | None = None
        if offset > 0 and position != -1:
            # Skip the matches before `offset` in C: stepping through them one by one
            # took a second of CPU for ?offset=999999999999 on 10 MB.
            total = self._count(needle, position)
            if offset >= total:
                return SearchResult(total, [])
            position = next(islice(_node_hits(needle).finditer(text, position), offset, None)).start()
            count = offset
        while position != -1 and count < offset + limit:
            if count >= offset:
                block = bisect_right(blocks, position) - 1
                matches.append(block * BLOCK_NODES + marks(NODE_END, blocks[block], position) - 1)
            count += 1
            # Skip to the next node: one hit per node is enough.
            following = find(NODE_END, position)
            position = -1 if following == -1 else find(needle, following)
        if position != -1:
            # Past the requested matches only their number is needed, and a short
            # query matches most nodes of a big record: count in C.
            count = total if total is not None else (
                self._nodes_holding_byte(needle) if len(needle) == 1 else count + _nodes_holding(needle, text, position)
            )
        return SearchResult(count, matches)

    def _count(self, needle: bytes, first: int) -> int:
        """How many nodes hold `needle`, whose first hit is at `first`."""
        return self._nodes_holding_byte(needle) if len(needle) == 1 else _nodes_holding(needle, self._text, first)

    def _nodes_holding_byte(self, needle: bytes) -> int:
        """How many nodes hold the one byte `needle`, an ASCII character (never part of
        another's UTF-8): keep only it and the node marks, and count the marks it follows.

        2x faster than _nodes_holding; kept, as one-character queries are the
        commonest (typing starts with one) and the slowest to count.
        """
        known = self._byte_counts.get(needle)
        if known is None:
            kept = self._text.translate(None, ALL_BYTES.replace(needle, b"").replace(NODE_END, b""))
            known = self._byte_counts[needle] = kept.count(NODE_END + needle)
        return known

    def pointers(self, nodes: list[int]) -> list[str]:
        """Return the JSON Pointers of node numbers given in ascending order."""
        return [pointer_at(self._record, positions) for positions in self.positions(nodes)]

    def positions(self, nodes: list[int]) -> list[Positions]:
        """Return the positions of node numbers given in ascending order.

        Each is found by going down from the deepest container that holds both
        it and the node before, so nearby nodes cost little.
        """
        if nodes and not 0 <= nodes[0] <= nodes[-1] < self._nodes:
            raise IndexError(f"nodes {nodes[0]}…{nodes[-1]} are not all in a record of {self._nodes}")
        if not self._starts:  # the record is a single scalar
            return [() for _ in nodes]
        starts, ends = self._starts, self._ends
        # (container number, positions) of the containers down to the last node.
        path: list[tuple[int, Positions]] = [(0, ())]
        found = []
        for node in nodes:
            while node >= ends[path[-1][0]]:
                path.pop()
            container, positions = path[-1]
            here = starts[container]
            while here != node:
                index, here, container = self._child_holding(container, node)
                positions = (*positions, index)
                if container >= 0:
                    path.append((container, positions))
            found.append(positions)
        return found

    def _child_holding(self, container: int, node: int) -> tuple[int, int, int]:
        """(index, node number, container number or -1) of the child of `container` that is
        or holds `node`.

        A container's children are its inner containers, found one after the
        other through `_skips`, and between them scalars of one node each.
        """
        starts, ends, skips = self._starts, self._ends, self._skips
        if skips[container] - container <= TABLES_FROM:
            inner, index, after = container + 1, -1, starts[container] + 1
            while inner < skips[container] and starts[inner] <= node:
                index += 1 + starts[inner] - after  # the scalars since the last container, and this one
                if node < ends[inner]:
                    return index, starts[inner], inner
                after = ends[inner]
                inner = skips[inner]
            return index + 1 + node - after, node, -1
        firsts, inners, indexes = self._inner_containers(container)
        last = bisect_right(firsts, node) - 1
        if last < 0:
            return node - starts[container] - 1, node, -1
        inner = inners[last]
        if node < ends[inner]:
            return indexes[last], firsts[last], inner
        return indexes[last] + 1 + node - ends[inner], node, -1

    def _inner_containers(self, container: int) -> tuple[array, array, array]:
        """The containers among a container's children: their node numbers, container numbers
        and indexes among all the children; kept for later searches."""
        known = self._tables.get(container)
        if known is None:
            starts, ends, skips = self._starts, self._ends, self._skips
            firsts, inners, indexes = array("q"), array("q"), array("q")
            inner, index, after = container + 1, -1, starts[container] + 1
            while inner < skips[container]:
                index += 1 + starts[inner] - after
                firsts.append(starts[inner])
                inners.append(inner)
                indexes.append(index)
                after = ends[inner]
                inner = skips[inner]
            # Threads may both work this out; either answer is the same.
            known = self._tables[container] = (firsts, inners, indexes)
        return known


ALL_BYTES = bytes(range(256))


def _node_hits(needle: bytes) -> re.Pattern[bytes]:
    """A pattern matching once per node that holds `needle`: each match runs on to the start
    of the next node, so that a node counts once."""
    return re.compile(re.escape(needle) + b"[^" + NODE_END + b"]*()")


def _nodes_holding(needle: bytes, text: bytes, position: int) -> int:
    """How many nodes hold `needle`, from the one with a hit at `position` on."""
    return len(_node_hits(needle).findall(text, position))


def _node_texts(record: object, checkpoint: Callable[[], None] | None) -> tuple[list[str], array, array, array]:
    """Two texts per node, in document order and not yet lower-cased: NODE_MARK key KEY_MARK,
    then the value; and each container's start, end and skip (see SearchIndex)."""
    km, nm = KEY_MARK, NODE_MARK  # locals: read a million times
    starts, ends, skips = array("q"), array("q"), array("q")
    # Any, not object: the loop below tells a value's kind by `type(value) is`
    # through a local (fast), which mypy does not narrow by.
    children: Iterator[tuple[str, Any]]
    if type(record) is dict:
        children = iter(record.items())
    elif type(record) is list:
        children = zip(repeat(""), record)
    else:
        return [f"{nm}{km}", _scalar_text(record)], starts, ends, skips
    texts = [f"{nm}{km}", ""]
    push = texts.append
    # A record repeats its keys over and over: each key's first text is made once.
    heads: dict[str, str] = {}
    head_of = heads.get
    starts.append(0)
    ends.append(0)
    skips.append(0)
    # Explicit stacks (records nest thousands deep): the children still to
    # visit of each open container, and its number. An array's children have
    # the key "" (indices are not searched). A node's number is half the
    # texts before it.
    stack = [children]
    open_containers = [0]
    while stack:
        for key, value in stack[-1]:
            head = head_of(key)
            if head is None:
                head = heads[key] = f"{nm}{key}{km}"
            push(head)
            kind = type(value)
            if kind is str:
                push(value)
            elif kind is dict or kind is list:
                open_containers.append(len(starts))
                starts.append(len(texts) >> 1)
                ends.append(0)
                skips.append(0)
                push("")
                stack.append(iter(value.items()) if kind is dict else zip(repeat(""), value))
                break  # on with this container's children, then back to its siblings
            elif value is None:
                push("null")
            else:  # an int, float or bool, as Python writes it ("True" is lower-cased later)
                push(f"{value}")
        else:
            stack.pop()
            closed = open_containers.pop()
            ends[closed] = len(texts) >> 1
            skips[closed] = len(starts)
            if checkpoint is not None and not closed % CHECK_EVERY:
                checkpoint()
    return texts, starts, ends, skips


def _scalar_text(value: object) -> str:
    return "null" if value is None else str(value)


def _utf8(text: str) -> bytes:
    # Lone surrogates (JSON's \ud800 escapes) are kept as themselves, in text and query alike.
    return text.encode("utf-8", "surrogatepass")


def _join_lowered(texts: list[str]) -> tuple[bytes, array]:
    """Return the texts lower-cased and joined as UTF-8, and the offset where each block starts.

    Each block is lower-cased on its own: `str.lower` is several times faster
    on ASCII-only strings, and most blocks are. Lower-casing blocks gives the
    same text as lower-casing each key and value, as the only context `lower`
    looks at, a final sigma's neighbours, never reaches past a KEY_MARK or
    NODE_MARK. The offsets are counted in the blocks as stored, since
    lower-casing may lengthen a text ("İ" becomes "i̇").
    """
    join, size = "".join, 2 * BLOCK_NODES
    blocks = [_utf8(join(texts[start : start + size]).lower()) for start in range(0, len(texts), size)]
    return b"".join(blocks), array("q", accumulate(map(len, blocks), initial=0))
