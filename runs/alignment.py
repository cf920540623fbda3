"""Aligning two arrays of a run record: which item of A is which item of B.

Pure: parsed JSON in, dataclasses out. Items are matched by a key, then a
longest common subsequence of the keys decides what stayed, so one inserted
step is one difference instead of a shift of every later step:

- objects with an id-like key (`id`, `key`, `uuid`) are keyed by it, when the
  two arrays share most of those IDs (generated IDs differ between runs);
- steps (objects with a kind, or a tool or request name; runs/steps.py reads
  them) by their signature: kind, name and arguments, volatile fields masked;
- anything else by a hash of its value with volatile fields masked.

The subsequence: the common head and tail are trimmed first, then Myers' O(ND)
diff runs on what is left, so near-identical arrays cost linear time; past a
work bound (arrays that differ nearly everywhere) the items unique to both
sides anchor a patience diff instead, O(n log n). Items left over pair up: the
same key on both sides is a move; items of one kind in the same gap are one
changed item; the rest were removed or added.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Literal

import orjson

from runs.lcs import MYERS_MAX_WORK, common_subsequence, myers
from runs.roles import MISSING, names_of, normal, value_of
from runs.steps import step_name
from runs.volatile import Ignore

MAX_MOVES = 1000  # more than this and items are removed and added instead (a move costs O(n))
ID_SHARE = 0.5  # an array is matched by ID when this share of the smaller side's IDs are on both
ID_KEYS = ("id", "key", "uuid")
ARGUMENT_KEYS = tuple(normal(name) for name in ("arguments", "args", "input", "params", "parameters"))

Row = Literal["pair", "moved", "removed", "added"]


@dataclass(frozen=True)
class Alignment:
    """How the items of array A map onto those of B: `pairs` keep their order (increasing in
    both), `moves` cross them; `removed` are only in A, `added` only in B."""

    pairs: tuple[tuple[int, int], ...]
    moves: tuple[tuple[int, int], ...] = ()
    removed: tuple[int, ...] = ()
    added: tuple[int, ...] = ()

    def rows(self) -> Iterator[tuple[Row, int | None, int | None]]:
        """(row, index in A, index in B) in reading order: before each pair, what A lost and B
        gained since the previous one; a moved item where it lands in B."""
        moved_from = {j: i for i, j in self.moves}
        removed = sorted(self.removed)
        added = sorted(set(self.added) | set(moved_from))
        r = a = 0
        for i, j in (*self.pairs, (None, None)):
            while r < len(removed) and (i is None or removed[r] < i):
                yield "removed", removed[r], None
                r += 1
            while a < len(added) and (j is None or added[a] < j):
                landing = added[a]
                yield ("moved", moved_from[landing], landing) if landing in moved_from else ("added", None, landing)
                a += 1
            if i is not None:
                yield "pair", i, j


def align(items_a: list, items_b: list, ignore: Ignore) -> Alignment:
    """Match the items of two arrays (see the module's docstring)."""
    keys_a, keys_b = item_keys(items_a, items_b, ignore)
    pairs = common_subsequence(keys_a, keys_b)
    paired_a = {i for i, _ in pairs}
    paired_b = {j for _, j in pairs}
    lost = [i for i in range(len(items_a)) if i not in paired_a]
    gained = [j for j in range(len(items_b)) if j not in paired_b]
    moves = _moves(lost, gained, keys_a, keys_b)
    moved_a = {i for i, _ in moves}
    moved_b = {j for _, j in moves}
    lost = [i for i in lost if i not in moved_a]
    gained = [j for j in gained if j not in moved_b]
    pairs = _pair_gaps(pairs, lost, gained, items_a, items_b)
    paired_a = {i for i, _ in pairs}
    paired_b = {j for _, j in pairs}
    return Alignment(
        pairs=tuple(pairs),
        moves=tuple(moves),
        removed=tuple(i for i in lost if i not in paired_a),
        added=tuple(j for j in gained if j not in paired_b),
    )


# --- Keys ---------------------------------------------------------------------------


def item_keys(items_a: list, items_b: list, ignore: Ignore) -> tuple[list[Hashable], list[Hashable]]:
    """The key of each item of both arrays."""
    ids_a, ids_b = _ids(items_a), _ids(items_b)
    if ids_a is not None and ids_b is not None:
        shared = len(set(ids_a) & set(ids_b))
        if shared and shared >= ID_SHARE * min(len(set(ids_a)), len(set(ids_b))):
            return [("id", key) for key in ids_a], [("id", key) for key in ids_b]
    return _signatures(items_a, ignore), _signatures(items_b, ignore)


def _ids(items: list) -> list[Hashable] | None:
    """Each item's ID when every item is an object with a scalar under the same id-like key."""
    if not items or not isinstance(items[0], dict):
        return None
    names = names_of(items[0])
    key = next((names[name] for name in ID_KEYS if name in names), None)
    if key is None:
        return None
    ids: list[Hashable] = []
    for item in items:
        value = item.get(key) if isinstance(item, dict) else None
        if value is None or isinstance(value, (dict, list)):
            return None
        ids.append((type(value), value))
    return ids


def _signatures(items: list, ignore: Ignore) -> list[Hashable]:
    keys: list[Hashable] = []
    for item in items:
        if isinstance(item, dict):
            names = names_of(item)
            kind, name = value_of(item, "kind", names), step_name(item, names)
            arguments = _arguments(item)
            if name is not None or (arguments is not None and kind is not MISSING):
                keys.append(("step", _scalar(kind), name, masked_hash(arguments, ignore)))
                continue
        keys.append(masked_hash(item, ignore))
    return keys


def _arguments(item: dict) -> object:
    for key, value in item.items():
        if normal(key) in ARGUMENT_KEYS:
            return value
    return None


# Markers are tuples, which no parsed JSON value is.
_OPEN_OBJECT, _CLOSE_OBJECT, _OPEN_ARRAY, _CLOSE_ARRAY = ("{",), ("}",), ("[",), ("]",)


def masked_hash(value: object, ignore: Ignore) -> Hashable:
    """A hash of `value` that ignores key order and the keys `ignore` hides.

    Fast when only its top level holds hidden keys (a step's time and ID):
    those dropped, the rest is orjson's sorted bytes. Otherwise each value is
    hashed in Python, without recursion (records nest a thousand levels). The
    two can hash alike values differently (one hiding a key deep inside that the
    other lacks): alignment only, then, never correctness.
    """
    if not isinstance(value, (dict, list)):
        return (type(value), value)
    top = {key: item for key, item in value.items() if not ignore.hides(key)} if isinstance(value, dict) else value
    try:
        text = orjson.dumps(top, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # deeper than 255 levels, integers past 64 bits, lone surrogates
        return _hashed_in_python(value, ignore)
    return _hashed_in_python(value, ignore) if ignore.hides_in(text) else hash(text)


def _hashed_in_python(value: object, ignore: Ignore) -> Hashable:
    tokens: list[Hashable] = []
    stack: list[object] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            tokens.append(_OPEN_OBJECT)
            stack.append(_CLOSE_OBJECT)
            for key in sorted(node, reverse=True):
                if not ignore.hides(key):
                    stack.append(node[key])
                    stack.append(("key", key))
        elif isinstance(node, list):
            tokens.append(_OPEN_ARRAY)
            stack.append(_CLOSE_ARRAY)
            stack.extend(reversed(node))
        elif isinstance(node, tuple):  # a closing marker or ("key", key)
            tokens.append(node)
        else:
            tokens.append((type(node), node))
    return hash(tuple(tokens))


def _kind_of(item: object) -> Hashable:
    """What an item is, loosely: in one gap, items of one kind pair up as one changed item."""
    if isinstance(item, dict):
        names = names_of(item)
        return ("object", _scalar(value_of(item, "kind", names)), step_name(item, names))
    return "array" if isinstance(item, list) else "scalar"


def _scalar(value: object) -> Hashable:
    return value if isinstance(value, (str, int, float, bool)) or value is None else type(value).__name__


# --- What is left over ----------------------------------------------------------------


def _moves(lost: list[int], gained: list[int], keys_a: list[Hashable], keys_b: list[Hashable]) -> list[tuple[int, int]]:
    """Items that left A at one place and came back in B at another: same key."""
    waiting: dict[Hashable, list[int]] = {}
    for i in reversed(lost):
        waiting.setdefault(keys_a[i], []).append(i)
    moves: list[tuple[int, int]] = []
    for j in gained:
        sources = waiting.get(keys_b[j])
        if sources:
            moves.append((sources.pop(), j))
            if len(moves) > MAX_MOVES:
                return []
    return moves


def _pair_gaps(
    pairs: list[tuple[int, int]], lost: list[int], gained: list[int], items_a: list, items_b: list
) -> list[tuple[int, int]]:
    """`pairs` with, between each two, the lost and gained items of one kind paired in order."""
    if not lost or not gained:
        return pairs
    result: list[tuple[int, int]] = []
    lost_at = gained_at = 0
    for i, j in (*pairs, (None, None)):
        gap_a: list[int] = []
        while lost_at < len(lost) and (i is None or lost[lost_at] < i):
            gap_a.append(lost[lost_at])
            lost_at += 1
        gap_b: list[int] = []
        while gained_at < len(gained) and (j is None or gained[gained_at] < j):
            gap_b.append(gained[gained_at])
            gained_at += 1
        if gap_a and gap_b:
            kinds_a = [_kind_of(items_a[x]) for x in gap_a]
            kinds = myers(kinds_a, [_kind_of(items_b[y]) for y in gap_b], MYERS_MAX_WORK // 20)
            result.extend((gap_a[x], gap_b[y]) for x, y in kinds or [])
        if i is not None and j is not None:
            result.append((i, j))
    return result
