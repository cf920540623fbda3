"""Whether two JSON values are the same JSON, fast: Python's == first, orjson's sorted bytes to
settle what == blurs (1, 1.0 and true are equal to it; JSON tells them apart)."""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager

import orjson


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a walk allocates: records just parsed are millions
    of young objects each collection would walk again (a 50 MB pair: seconds). Walks and
    parsed JSON make no cycles; as in runs/jsonio.py's parse."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def same(x: object, y: object) -> bool:
    """Whether two JSON values are the same JSON: `1` is not `1.0`, `true` or `-0`… is not `0`;
    key order does not count."""
    try:
        return _same(x, y)
    except RecursionError:  # nested deeper than == goes
        return _same_slowly(x, y)


def known_same(x: object, y: object) -> bool:
    """same(), but False for values nested too deep for ==: the walks then look inside, and their
    children are compared in turn (comparing them slowly at every level would cost depth²)."""
    try:
        return _same(x, y)
    except RecursionError:
        return False


def _same(x: object, y: object) -> bool:
    if x is y:
        return True
    kind = type(x)
    if kind is not type(y):
        return False
    if kind is dict or kind is list:
        if x != y:
            return False
        try:  # == takes 1 for 1.0 and true: the bytes tell them apart
            return orjson.dumps(x, option=orjson.OPT_SORT_KEYS) == orjson.dumps(y, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # beyond orjson: deeper than 255 levels, integers past 64 bits, lone surrogates
            return _same_slowly(x, y)
    if kind is float:
        return x == y and math.copysign(1, x) == math.copysign(1, y)  # type: ignore[arg-type]
    return x == y


def _same_slowly(x: object, y: object) -> bool:
    stack = [(x, y)]
    while stack:
        p, q = stack.pop()
        if isinstance(p, dict) and isinstance(q, dict):
            if p.keys() != q.keys():
                return False
            stack.extend((p[key], q[key]) for key in p)
        elif isinstance(p, list) and isinstance(q, list):
            if len(p) != len(q):
                return False
            stack.extend(zip(p, q, strict=True))
        elif isinstance(p, (dict, list)) or isinstance(q, (dict, list)) or not same(p, q):
            return False
    return True
