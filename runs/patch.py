"""The exact difference as a JSON Patch (RFC 6902): operations that turn record A into record B.

Pure: parsed JSON in, a list of operations out. Nothing is ignored here (the
page's ignore list only hides values from people); arrays are aligned as the
page aligns them (runs/alignment.py), so an inserted step is one `add`, a
deleted one a `remove`, and an item that moved one `move`, each followed by
the operations inside it. Operations apply in order, each to the document the
previous ones left (RFC 6902 §3), which is what the array indices below
account for.
"""

from __future__ import annotations

from bisect import bisect_left

from runs.alignment import align
from runs.paths import json_pointer
from runs.sameness import collector_paused, known_same
from runs.volatile import DEFAULT

Operation = dict[str, object]


def make_patch(a: object, b: object) -> list[Operation]:
    """Operations that turn `a` into `b` exactly (an empty list when they are the same JSON)."""
    with collector_paused():
        return _operations(a, b)


def _operations(a: object, b: object) -> list[Operation]:
    operations: list[Operation] = []
    stack: list[tuple[object, object, str]] = [(a, b, "")]
    while stack:
        x, y, path = stack.pop()
        if known_same(x, y):
            continue
        if isinstance(x, dict) and isinstance(y, dict):
            operations.extend({"op": "remove", "path": json_pointer(path, key)} for key in x if key not in y)
            operations.extend(
                {"op": "add", "path": json_pointer(path, key), "value": value} for key, value in y.items() if key not in x
            )
            inside = [(x[key], y[key], json_pointer(path, key)) for key in x if key in y]
        elif isinstance(x, list) and isinstance(y, list):
            inside = [(x[i], y[j], json_pointer(path, j)) for i, j in _reorder(x, y, path, operations)]
        else:
            operations.append({"op": "replace", "path": path, "value": y})
            continue
        stack.extend(reversed(inside))
    return operations


def _reorder(x: list, y: list, path: str, operations: list[Operation]) -> list[tuple[int, int]]:
    """Append the operations that make array `x` (at `path`) hold B's items in B's order, kept
    items still holding A's values; return the kept items' (index in A, index in B)."""
    alignment = align(x, y, DEFAULT)
    kept = sorted([*alignment.pairs, *alignment.moves], key=lambda pair: pair[1])
    if not alignment.removed and not alignment.added and all(i == j for i, j in kept):
        return kept
    # Removed items first, from the end, so that each index still names the item it did in A.
    operations.extend({"op": "remove", "path": json_pointer(path, i)} for i in sorted(alignment.removed, reverse=True))
    gone = set(alignment.removed)
    current = [i for i in range(len(x)) if i not in gone]  # the array now, as A's indices (new items: -1 - j)
    _move_later_items_ahead(alignment.pairs, alignment.moves, current, path, operations)
    wanted: list[int | None] = [None] * len(y)
    for i, j in kept:
        wanted[j] = i
    # Then B from the start: each index is B's own once the items before it are B's.
    for j, want in enumerate(wanted):
        if want is None:
            operations.append({"op": "add", "path": json_pointer(path, j), "value": y[j]})
            current.insert(j, -1 - j)
        elif current[j] != want:
            at = current.index(want, j)
            operations.append({"op": "move", "from": json_pointer(path, at), "path": json_pointer(path, j)})
            current.insert(j, current.pop(at))
    return kept


def _move_later_items_ahead(
    pairs: tuple[tuple[int, int], ...], moves: tuple[tuple[int, int], ...], current: list[int], path: str,
    operations: list[Operation],
) -> None:
    """Put each item that moves past kept items right after the kept item it follows in B.

    The loop over B pulls items forward one `move` each; an item that moves
    towards the end would instead have every kept item it passes pulled
    forward past it. Nearest-to-the-end first, so items that land after the
    same kept item end up in B's order.
    """
    landings = [j for _, j in pairs]
    for i, t in sorted(moves, key=lambda move: -move[1]):
        before = bisect_left(landings, t) - 1  # the kept item B has just before this one
        if before < 0 or pairs[before][0] < i:
            continue  # moves towards the start: the loop over B pulls it forward
        at = current.index(i)
        current.pop(at)
        to = current.index(pairs[before][0]) + 1
        current.insert(to, i)
        operations.append({"op": "move", "from": json_pointer(path, at), "path": json_pointer(path, to)})
