"""A longest common subsequence of two sequences of keys: which items stayed, in order.

The common head and tail are trimmed first, then Myers' O(ND) diff runs on what
is left, so near-identical sequences cost linear time; past a work bound
(sequences that differ nearly everywhere) the items unique to both sides anchor
a patience diff instead, O(n log n). runs/alignment.py keys the items.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Sequence

MYERS_MAX_WORK = 2_000_000  # snake steps before Myers gives way to the patience diff
MYERS_MAX_EDITS = 400  # edit distance at most, so its trace (D² entries) stays small


def common_subsequence(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[int, int]]:
    """Index pairs (i, j) with a[i] == b[j], increasing in both: a longest common subsequence
    (or, when the two differ nearly everywhere, a long one found by a patience diff)."""
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    end_a, end_b = len(a), len(b)
    while end_a > head and end_b > head and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    middle_a, middle_b = a[head:end_a], b[head:end_b]
    middle = myers(middle_a, middle_b)
    if middle is None:
        middle = _patience(middle_a, middle_b)
    return [
        *((i, i) for i in range(head)),
        *((head + i, head + j) for i, j in middle),
        *((end_a + k, end_b + k) for k in range(len(a) - end_a)),
    ]


def myers(a: Sequence[Hashable], b: Sequence[Hashable], max_work: int | None = None) -> list[tuple[int, int]] | None:
    """Myers' greedy LCS ("An O(ND) Difference Algorithm", 1986); None past the work bound
    (MYERS_MAX_WORK unless given)."""
    max_work = MYERS_MAX_WORK if max_work is None else max_work
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return []
    frontier: dict[int, int] = {1: 0}
    trace: list[dict[int, int]] = []
    work = 0
    for d in range(min(n + m, MYERS_MAX_EDITS) + 1):
        trace.append(dict(frontier))
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and frontier[k - 1] < frontier[k + 1]):
                x = frontier[k + 1]
            else:
                x = frontier[k - 1] + 1
            y = x - k
            start = x
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            work += x - start + 1
            frontier[k] = x
            if x >= n and y >= m:
                return _backtrack(trace, n, m)
        if work > max_work:
            return None
    return None


def _backtrack(trace: list[dict[int, int]], n: int, m: int) -> list[tuple[int, int]]:
    x, y = n, m
    pairs: list[tuple[int, int]] = []
    for d in range(len(trace) - 1, -1, -1):
        frontier = trace[d]
        k = x - y
        before = k + 1 if k == -d or (k != d and frontier[k - 1] < frontier[k + 1]) else k - 1
        before_x = frontier[before]
        before_y = before_x - before
        while x > before_x and y > before_y:
            x, y = x - 1, y - 1
            pairs.append((x, y))
        x, y = before_x, before_y
    pairs.reverse()
    return pairs


def _patience(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[int, int]]:
    """Pairs anchored on the keys that occur once on each side (their longest increasing run),
    with Myers, bounded, between anchors."""
    count_a, count_b = Counter(a), Counter(b)
    at_b = {key: j for j, key in enumerate(b) if count_b[key] == 1}
    candidates = [(i, at_b[key]) for i, key in enumerate(a) if count_a[key] == 1 and key in at_b]
    anchors = _longest_increasing(candidates)
    pairs: list[tuple[int, int]] = []
    last_i = last_j = -1
    for i, j in (*anchors, (len(a), len(b))):
        gap = myers(a[last_i + 1 : i], b[last_j + 1 : j], max_work=MYERS_MAX_WORK // 20) or []
        pairs.extend((last_i + 1 + gi, last_j + 1 + gj) for gi, gj in gap)
        if i < len(a):
            pairs.append((i, j))
        last_i, last_j = i, j
    return pairs


def _longest_increasing(candidates: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of `candidates` (increasing in i) increasing in j too; O(n log n)."""
    tails: list[int] = []  # tails[length - 1]: the smallest j ending a run of that length
    ends: list[int] = []  # index into candidates of that run's end
    previous = [-1] * len(candidates)
    for index, (_, j) in enumerate(candidates):
        length = bisect_left(tails, j)
        if length == len(tails):
            tails.append(j)
            ends.append(index)
        else:
            tails[length] = j
            ends[length] = index
        previous[index] = ends[length - 1] if length else -1
    run: list[tuple[int, int]] = []
    index = ends[-1] if ends else -1
    while index >= 0:
        run.append(candidates[index])
        index = previous[index]
    run.reverse()
    return run
