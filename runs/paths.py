"""Naming a node inside a record: JSON Pointers outside, positions inside.

People and their links name a node by JSON Pointer (RFC 6901): deep links
(`#/trace/3/request`), `raw?pointer=`, copied paths. A pointer repeats every
key on the way, though, and a key can be a megabyte, so the pages and the
requests between page and server name a node by its positions instead: the
index of each child on the way among its parent's children, keys in record
order (`3.0.17`, the root ""). That costs a few bytes a level, whatever the
keys hold. Positions name a node in one stored snapshot; a refetch that
reorders keys moves them, as it moves array indices anyway.

Both go on through a string that holds a JSON object or array (an API body
captured as text): `/trace/3/response/body/items/0`, `3.0.17.2`. Descending
into such a string parses it (embedded_json); the record itself is unchanged,
so search and the record's own JSON still see the string as a string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from itertools import islice
from urllib.parse import quote

from runs import jsonio
from runs.escaping import visible

Positions = tuple[int, ...]
POSITION_DIGITS = 12  # more than any container could hold

# --- JSON inside a string ---------------------------------------------------------

# Longer strings are never read as JSON: the cache below keeps up to
# EMBEDDED_PARSES_KEPT parsed values, each several times the size of its text.
EMBEDDED_JSON_CHARS = 2_000_000
EMBEDDED_PARSES_KEPT = 8
EMBEDDED_MIN_CHARS = 8  # shorter strings are not offered as JSON: "[]", "{}", "[1,2]" read fine as text
_JSON_SPACE = " \t\n\r"  # RFC 8259 §2: the only whitespace around a JSON text
_OPENS_CONTAINER = re.compile(r"[ \t\n\r]*[\[{]")


def looks_like_json(text: str) -> bool:
    """Whether the tree offers a string as JSON: long enough, at most EMBEDDED_JSON_CHARS,
    starting with { or [ and ending with } or ] (whitespace aside). It looks at the two ends
    only and never parses: the tree's render asks this of every string."""
    if not EMBEDDED_MIN_CHARS <= len(text) <= EMBEDDED_JSON_CHARS:
        return False
    head = text[:64].lstrip(_JSON_SPACE)
    tail = text[-64:].rstrip(_JSON_SPACE)
    return head[:1] in ("{", "[") and tail[-1:] in ("}", "]")


def embedded_json(text: str) -> dict | list | None:
    """The object or array a string holds as JSON text; None if it holds none (not JSON,
    not starting with { or [, or longer than EMBEDDED_JSON_CHARS). Shared: never change it."""
    if len(text) > EMBEDDED_JSON_CHARS or not _OPENS_CONTAINER.match(text):
        return None
    return _parse_embedded(text)


@lru_cache(maxsize=EMBEDDED_PARSES_KEPT)
def _parse_embedded(text: str) -> dict | list | None:
    # Cached: a request walks the same string more than once (positions, then the
    # pointer or breadcrumbs), and tree.js asks for its parts one after another.
    try:
        value = jsonio.parse(text.encode())
    except (jsonio.InvalidJSON, UnicodeEncodeError):  # a lone surrogate is no UTF-8
        return None
    return value if isinstance(value, (dict, list)) else None


def as_container(node: object) -> object:
    """The node to look inside: a string holding a JSON object or array reads as that value."""
    if isinstance(node, str):
        return embedded_json(node)
    return node


def json_pointer(parent: str, key: str | int) -> str:
    """Return the RFC 6901 pointer of `key` inside the node at `parent`."""
    token = str(key).replace("~", "~0").replace("/", "~1")
    return f"{parent}/{token}"


def pointer_tokens(pointer: str) -> list[str]:
    """Split an RFC 6901 pointer into its unescaped tokens; ValueError if malformed."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError("a JSON Pointer starts with “/”")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def _is_index(token: str) -> bool:
    # RFC 6901 §4: array indices are decimal, with no leading zeros.
    return is_decimal(token) and (token == "0" or token[0] != "0")


def is_decimal(text: str) -> bool:
    """Whether `text` is ASCII digits, few enough to be a position (int() refuses 4,300+)."""
    return text.isdigit() and text.isascii() and len(text) <= POSITION_DIGITS


def positions_of(value: object, pointer: str) -> Positions:
    """Return the positions of the node at `pointer` inside `value`; KeyError if there is none."""
    try:
        tokens = pointer_tokens(pointer)
    except ValueError:
        raise KeyError(pointer) from None
    positions = []
    node = value
    for token in tokens:
        node = as_container(node)
        if isinstance(node, dict) and token in node:
            positions.append(_key_position(node, token))
            node = node[token]
        elif isinstance(node, list) and _is_index(token) and int(token) < len(node):
            positions.append(int(token))
            node = node[int(token)]
        else:
            raise KeyError(pointer)
    return tuple(positions)


def _key_position(container: dict, key: str) -> int:
    for position, each in enumerate(container):
        if each == key:
            return position
    raise KeyError(key)


def child_at(container: object, position: int) -> tuple[str | int, object]:
    """Return (key or index, value) of the child at `position`; KeyError if there is none.
    A string holding a JSON object or array has that value's children."""
    container = as_container(container)
    if isinstance(container, list) and 0 <= position < len(container):
        return position, container[position]
    if isinstance(container, dict) and 0 <= position < len(container):
        return next(islice(container.items(), position, None))
    raise KeyError(position)


def node_at(value: object, positions: Sequence[int]) -> object:
    """Return the node at `positions` inside `value`; KeyError if there is none."""
    node = value
    for position in positions:
        node = child_at(node, position)[1]
    return node


def pointer_at(value: object, positions: Sequence[int]) -> str:
    """Return the JSON Pointer of the node at `positions` inside `value`; KeyError if there is none."""
    pointer = ""
    node = value
    for position in positions:
        key, node = child_at(node, position)
        pointer = json_pointer(pointer, key)
    return pointer


def parse_positions(text: str) -> Positions:
    """Read positions written as `3.0.17` ("" for the root); ValueError if malformed."""
    if text == "":
        return ()
    parts = text.split(".")
    if not all(is_decimal(part) and (part == "0" or part[0] != "0") for part in parts):
        raise ValueError("not positions like 3.0.17")
    return tuple(map(int, parts))


def format_positions(positions: Sequence[int]) -> str:
    """Write positions as `parse_positions` reads them."""
    return ".".join(map(str, positions))


def child_positions(parent: str, position: int) -> str:
    """Return the written positions of child `position` of the node written `parent`."""
    return f"{parent}.{position}" if parent else str(position)


def find_node(record: object, params: Mapping[str, str]) -> tuple[Positions, object]:
    """The positions and value of the node a request names with ?at= (positions, as
    the page's links do) or ?pointer= (a JSON Pointer).

    ValueError if ?at= is malformed, KeyError if there is no such node.
    """
    if "at" in params:
        positions = parse_positions(params["at"])
    else:
        positions = positions_of(record, params.get("pointer", ""))
    return positions, node_at(record, positions)


BREADCRUMB_CHARS = 60
BREADCRUMBS_SHOWN = 10  # the nearest ancestors; each link names all the levels above it


def breadcrumbs(record: object, at: Positions) -> list[tuple[str, str | None]]:
    """(label, positions) for the record and the nodes on the way to `at`; deep down, the
    record, then ("…", None), then the nearest ancestors. Labels are plain text, to escape."""
    crumbs: list[tuple[str, str | None]] = [("record", "")]
    node = record
    for depth, position in enumerate(at, start=1):
        key, node = child_at(node, position)
        if depth == len(at) - BREADCRUMBS_SHOWN + 1 and depth > 1:
            crumbs.append(("…", None))
        if depth > len(at) - BREADCRUMBS_SHOWN:
            label = visible(str(key)[:BREADCRUMB_CHARS]) + ("…" if len(str(key)) > BREADCRUMB_CHARS else "")
            crumbs.append((label, format_positions(at[:depth])))
    return crumbs


def pointer_fragment(pointer: str) -> str | None:
    """The URL fragment of a deep link to `pointer` ("#/trace/3"), each token percent-encoded
    as tree.js does (encodeURIComponent); None for a key no URL can carry (a lone surrogate)."""
    try:
        return "#" + "/".join(quote(token, safe="!'()*") for token in pointer.split("/"))
    except UnicodeEncodeError:
        return None
