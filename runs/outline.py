"""A stored record's outline: where its top levels lie in the bytes Archal sent.

A process that has not parsed a record can answer for one of its parts by
parsing just that part's bytes (runs/cold.py), given where the part lies. The
outline says so for the record's top level and for each container one level
down: for each child its key's bytes (objects) and its value's bytes. So for a
record `{"trace": [48,000 steps], …}` a step is a slice of the body, a
thousandth of it.

Outlining scans the body (off the request path): the top two levels child by
child, each child's value measured by parsing it alone with orjson, which
stops at the first byte after the value and says where (in characters, made
bytes here). Deeper values are never outlined: a record whose big part lies
deeper is answered by parsing that whole part.

The outline is checked against the parsed record (kinds, counts, keys); one
that disagrees is not kept. Keys are kept as byte spans, not text (a key can
be a megabyte, or hold a lone surrogate), and read back from the body.
"""

from __future__ import annotations

import json
import operator
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast, overload

import orjson
import zstandard

from runs import jsonio

OUTLINE_DEPTH = 2  # levels whose children are listed: the record's, and its children's
FORMAT = 2  # the first number of a stored outline; another is not read
OBJECT, ARRAY = 0, 1
NOT_OUTLINED = -1
SPOT_CHECKS = 1000  # every so many children's spans are parsed again and compared with the record
# Containers with more children are not listed (a cold request parses them whole, under the
# parse slots): their outline would outweigh them (2.5 million zeros: 80 MB of numbers), and
# an object's keys are parsed for every cold request that passes through it.
MOST_ITEMS = 100_000
MOST_KEYS = 10_000
FIRST_GUESS = 4096  # bytes first handed to orjson for a value; doubled until the value fits

_SPACE = re.compile(rb"[ \t\n\r]*")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null")
_CLOSING = {ord("{"): ord("}"), ord("["): ord("]")}


class NotOutlined(ValueError):
    """The body is not JSON as expected here (the record's parse decides what it is)."""


class _TooWide(Exception):
    """A container with more children than are listed (MOST_ITEMS, MOST_KEYS)."""


@dataclass
class Outlined:
    """One container: its kind, its bytes, and its children's (key and value spans)."""

    kind: int  # OBJECT or ARRAY
    start: int
    end: int
    key_spans: Sequence[tuple[int, int]] = field(default_factory=list)  # objects only
    value_spans: Sequence[tuple[int, int]] = field(default_factory=list)
    inner: dict[int, Outlined] = field(default_factory=dict)  # children outlined too, by index


# --- Scanning --------------------------------------------------------------------


def outline_of(body: bytes, record: object) -> Outlined | None:
    """The outline of `body`, whose parse is `record`; None for a scalar record or a body this
    scan does not follow (it is then parsed whole, as without an outline)."""
    try:
        start = _skip_space(body, 0)
        if start >= len(body) or body[start] not in _CLOSING:
            return None
        root, _end = _scan_container(body, start, OUTLINE_DEPTH)
    except (NotOutlined, IndexError, RecursionError, _TooWide):  # RecursionError: json's, past 1,000 levels
        return None
    return root if _agrees(root, record, body) else None


def _skip_space(body: bytes, at: int) -> int:
    match = _SPACE.match(body, at)
    assert match is not None  # matches the empty string
    return match.end()


def _scan_container(body: bytes, start: int, depth: int) -> tuple[Outlined, int]:
    """The container opening at `start`, its children listed (and theirs, `depth` levels);
    and the offset just past it."""
    opening = body[start]
    closing = _CLOSING[opening]
    key_spans: list[tuple[int, int]] = []
    value_spans: list[tuple[int, int]] = []
    node = Outlined(OBJECT if opening == ord("{") else ARRAY, start, start, key_spans, value_spans)
    at = _skip_space(body, start + 1)
    if body[at] == closing:
        node.end = at + 1
        return node, node.end
    while True:
        if node.kind == OBJECT:
            key = _STRING.match(body, at)
            if key is None:
                raise NotOutlined(f"no key at byte {at}")
            key_spans.append(key.span())
            at = _skip_space(body, key.end())
            if body[at] != ord(":"):
                raise NotOutlined(f"no colon at byte {at}")
            at = _skip_space(body, at + 1)
        value_end = None
        if depth > 1 and body[at] in _CLOSING:
            try:
                inner, value_end = _scan_container(body, at, depth - 1)
                node.inner[len(value_spans)] = inner
            except _TooWide:
                value_end = None  # measured whole below, its children not listed
        if value_end is None:
            value_end = value_end_at(body, at)
        value_spans.append((at, value_end))
        if len(value_spans) > (MOST_KEYS if node.kind == OBJECT else MOST_ITEMS):
            raise _TooWide
        at = _skip_space(body, value_end)
        if body[at] == closing:
            node.end = at + 1
            return node, node.end
        if body[at] != ord(","):
            raise NotOutlined(f"no comma at byte {at}")
        at = _skip_space(body, at + 1)


def value_end_at(body: bytes, start: int) -> int:
    """The offset just past the JSON value that starts at `start`."""
    first = body[start]
    if first == ord('"'):
        match = _STRING.match(body, start)
    elif first in _CLOSING:
        return _container_end(body, start)
    else:
        match = _SCALAR.match(body, start)
    if match is None:
        raise NotOutlined(f"no value at byte {start}")
    return match.end()


def _container_end(body: bytes, start: int) -> int:
    """The end of the object or array at `start`: orjson parses a piece of the body from it
    and, finding more after the value, says where (in characters)."""
    size = FIRST_GUESS
    while True:
        piece = body[start : start + size]
        try:
            orjson.loads(piece)
        except orjson.JSONDecodeError as error:
            if "after document" in error.msg:
                return start + len(piece[: _byte_offset(piece, error.pos)].rstrip(b" \t\n\r"))
            if "end of data" in error.msg and start + size < len(body):
                size *= 2  # cut inside the value: more
                continue
            return _container_end_exactly(body, start, size)  # a value orjson refuses (big integers, …)
        # The whole piece is the value (a container closes once): it ends where the piece does.
        return start + len(piece.rstrip(b" \t\n\r"))


def _container_end_exactly(body: bytes, start: int, size: int) -> int:
    """The same with the standard library's parser, which reads anything JSON."""
    while True:
        text = body[start : start + size].decode("utf-8", "ignore")  # "ignore": a character cut at the end
        try:
            _value, end = json.JSONDecoder().raw_decode(text)
        except json.JSONDecodeError as error:
            if start + size < len(body):
                size *= 2
                continue
            raise NotOutlined(f"no value at byte {start}: {error}") from None
        return start + len(text[:end].encode("utf-8"))


def _byte_offset(piece: bytes, chars: int) -> int:
    """The offset in bytes of character `chars` of UTF-8 `piece` (which may end inside a character)."""
    if piece[:chars].isascii():
        return chars
    return len(piece.decode("utf-8", "ignore")[:chars].encode("utf-8"))


def _agrees(node: Outlined, value: object, body: bytes) -> bool:
    """Whether the outline has the parsed record's shape: kinds, counts and keys, all the way down."""
    if node.kind == OBJECT:
        if not isinstance(value, dict) or list(value) != keys_of(node, body):
            return False
        children = [(index, value[key]) for key, index in children_of(node, body)]
    elif not isinstance(value, list) or len(value) != len(node.value_spans):
        return False
    else:
        children = list(enumerate(value))
    # Spot checks of the spans themselves: the first and last children, and every SPOT_CHECKS-th.
    checked = {*range(0, len(children), SPOT_CHECKS), len(children) - 1} - {-1}
    if any(jsonio.parse(body[slice(*node.value_spans[children[at][0]])]) != children[at][1] for at in checked):
        return False
    return all(_agrees(node.inner[index], child, body) for index, child in children if index in node.inner)


def keys_of(node: Outlined, body: bytes, deduplicate: bool = True) -> list[str]:
    """An object's keys read from the body, in order; as a parsed dict has them (a key given
    twice keeps its first place) unless `deduplicate` is False."""
    spans = node.key_spans
    try:  # all at once: one parse, not one per key
        keys = cast(list[str], orjson.loads(b"[" + b",".join(body[start:end] for start, end in spans) + b"]"))
    except orjson.JSONDecodeError:  # a key orjson refuses (a lone surrogate): one by one
        keys = [cast(str, jsonio.parse(body[start:end])) for start, end in spans]
    return list(dict.fromkeys(keys)) if deduplicate else keys


def children_of(node: Outlined, body: bytes) -> list[tuple[str | int, int]]:
    """(key or index, child index in the outline) for each child as the parsed container has
    them: a key given twice is in its first place, with its last value (as json and orjson do)."""
    if node.kind == ARRAY:
        return [(index, index) for index in range(len(node.value_spans))]
    last: dict[str, int] = {}
    for index, key in enumerate(keys_of(node, body, deduplicate=False)):
        last[key] = index  # the first assignment fixes the order, the last the value
    return list(last.items())


# --- Storing ---------------------------------------------------------------------


def pack(root: Outlined) -> bytes:
    """The outline as stored: numbers (array('q')), Zstandard-compressed.

    FORMAT, then each container in order (parents first): kind, start, end,
    its number of children and of outlined children; for each child its key's
    start and end (0, 0 in an array) and its value's; then for each outlined
    child its index and the number of its own entry.
    """
    order = [root]
    numbers = array("q", [FORMAT])
    for node in order:  # grows as inner containers are met
        numbers.extend((node.kind, node.start, node.end, len(node.value_spans), len(node.inner)))
        for index, (value_start, value_end) in enumerate(node.value_spans):
            key_start, key_end = node.key_spans[index] if node.kind == OBJECT else (0, 0)
            numbers.extend((key_start, key_end, value_start, value_end))
        for index, inner in sorted(node.inner.items()):
            order.append(inner)
            numbers.extend((index, len(order) - 1))
    return zstandard.compress(numbers.tobytes(), 3)


def unpack(stored: bytes | memoryview) -> Outlined | None:
    """The outline `pack` stored; None if of another FORMAT. Its spans are read from the
    numbers when asked for (the trace's 48,000 are not made into tuples for one request)."""
    numbers = array("q")
    numbers.frombytes(zstandard.decompress(stored))
    if not numbers or numbers[0] != FORMAT:
        return None
    nodes: list[Outlined] = []
    links: list[array] = []
    at = 1
    while at < len(numbers):
        kind, start, end, count, outlined = numbers[at : at + 5]
        at += 5
        node = Outlined(kind, start, end)
        node.value_spans = _Spans(numbers, at + 2, count)
        if kind == OBJECT:
            node.key_spans = _Spans(numbers, at, count)
        at += 4 * count
        links.append(numbers[at : at + 2 * outlined])
        at += 2 * outlined
        nodes.append(node)
    for node, inner in zip(nodes, links, strict=True):
        node.inner = {index: nodes[number] for index, number in zip(inner[0::2], inner[1::2], strict=True)}
    return nodes[0] if nodes else None


class _Spans(Sequence[tuple[int, int]]):
    """(start, end) pairs read from stored numbers: every fourth pair from `first`, `count` of them."""

    def __init__(self, numbers: array, first: int, count: int) -> None:
        self._numbers, self._first, self._count = numbers, first, count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> tuple[int, int]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, int]]: ...
    def __getitem__(self, index: int | slice) -> tuple[int, int] | list[tuple[int, int]]:
        if isinstance(index, slice):
            return [self[each] for each in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        at = self._first + 4 * index
        return self._numbers[at], self._numbers[at + 1]

    def longest(self) -> int:
        """The most bytes any one span holds (0 if none), read at C speed from the numbers."""
        if not self._count:
            return 0
        last = self._first + 4 * self._count
        starts, ends = self._numbers[self._first : last : 4], self._numbers[self._first + 1 : last : 4]
        return max(map(operator.sub, ends, starts))


def longest_span(spans: Sequence[tuple[int, int]]) -> int:
    """The most bytes one of `spans` holds: stored spans read fast, a scan's listed ones one by one."""
    if isinstance(spans, _Spans):
        return spans.longest()
    return max((end - start for start, end in spans), default=0)
