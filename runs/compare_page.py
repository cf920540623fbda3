"""One page of a comparison, as the compare page and its ?format=json show it, within budgets.

Pure: a Comparison (runs/compare.py) in, dataclasses out. Like the tree, a
page holds a bounded amount whatever the records hold: strings are cut at
`string_chars` (with their full length, for "show all"), objects and arrays
are a short preview, pointers too long for a link are shown cut and not
linked, and changes are listed until `byte_budget` bytes of escaped text or
`page_size` rows, whichever comes first; "… N more changes" continues at
`next_offset`. The steps are listed `step_rows` rows a page.

The changes read as a tree: each under the objects and arrays it lies in
(one group per container, labelled by its key or index, linked in A and in B),
each group saying how many of its children have no change ("12 unchanged
keys"); unchanged subtrees are never shown. A page's tree holds that page's
changes only: a group the previous page began says it is continued. Groups
nest MAX_NESTING deep; a container deeper than that is one group labelled by
the rest of its path (records nest thousands of levels).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from os.path import commonprefix

from runs.compare import CHANGED, Change, Comparison, GlanceRow, StepRow
from runs.escaping import attr_html, text_html
from runs.node_html import count_label, preview_text
from runs.paths import json_pointer, pointer_fragment, pointer_tokens

POINTER_CHARS = 200  # of a pointer shown as text
LINKED_POINTER_CHARS = 4000  # longer pointers are not links (one key can be a megabyte)
INLINE_CONTEXT = 60  # characters shown around a changed part of a string
INLINE_TOKENS_CHARS = 2000  # changed parts longer than this are shown whole, not word by word
INLINE_SEGMENTS = 40
WORD_CHARS = 40
ROW_OVERHEAD = 900  # bytes of markup around one change's text
FLIPPED_SHOWN = 20
LABEL_CHARS = 100  # of a key or index labelling a group or a change
GROUP_OVERHEAD = 500  # bytes of markup around one group
MAX_NESTING = 6  # groups nested at most this deep
WORDS = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class Limits:
    string_chars: int = 300
    byte_budget: int = 500_000
    page_size: int = 100
    step_rows: int = 100


@dataclass(frozen=True)
class Shown:
    """A value as shown: a scalar's JSON text (a string's characters, cut), or a container's preview."""

    text: str
    kind: str  # "string", "number", "boolean", "null", "object", "array"
    cut: bool = False  # a string shown in part
    length: int = 0  # a string's characters
    size: str = ""  # a container's "3 keys"


@dataclass(frozen=True)
class Place:
    """A pointer as shown, and whether it can be a link (then `pointer` is all of it)."""

    pointer: str
    text: str
    linked: bool


@dataclass(frozen=True)
class ChangeRow:
    kind: str
    a: Place | None
    b: Place | None
    before: Shown | None
    after: Shown | None
    inline: tuple[tuple[str, str], ...] = ()  # (equal/delete/insert, text) of a changed string
    key: str = ""  # its key or index in the group it is listed in ("12 → 13" when B's index differs)


@dataclass
class ChangeGroup:
    """An object or array of both records holding changes on the page, and how many of its
    children (in A) have none."""

    label: str  # its key or index in its parent group; a relative pointer past MAX_NESTING
    a: Place
    b: Place
    of: str = "keys"  # "keys" or "items"
    unchanged: int | None = None  # None: not known (the list of changes stopped early)
    continued: bool = False  # the previous page listed changes in it too
    entries: list[ChangeGroup | ChangeRow] = field(default_factory=list)
    first: int = 0  # the index of its first change on the page, in the comparison's list
    pointers: tuple[str, str] = ("", "")  # in A and B, whole (a Place's may be cut)


@dataclass(frozen=True)
class TreeLine:
    """One line of the tree as a template reads it, flat: a group opens, a change, a group closes."""

    kind: str  # "open", "change", "close"
    group: ChangeGroup | None = None
    row: ChangeRow | None = None


@dataclass(frozen=True)
class StepLine:
    """A row of the aligned steps with the pointers of its steps (of the first and last of a run
    of identical steps) in each trace."""

    row: StepRow
    a_pointer: str | None
    b_pointer: str | None
    a_last: int | None = None
    b_last: int | None = None


@dataclass(frozen=True)
class ComparisonPage:
    a_id: str
    b_id: str
    comparison: Comparison
    rows: tuple[ChangeRow, ...]
    offset: int
    next_offset: int | None
    step_rows: tuple[StepLine, ...]
    step_offset: int
    step_next: int | None
    root: ChangeGroup | None = None  # the page's changes as a tree (the record's own group)

    @property
    def tree(self) -> tuple[TreeLine, ...]:
        return () if self.root is None else tuple(_lines(self.root))

    @property
    def continuing(self) -> ChangeGroup | None:
        """The deepest group the previous page began, if any: where this page goes on."""
        group, deepest = self.root, None
        while group is not None:
            group = next((entry for entry in group.entries if isinstance(entry, ChangeGroup) and entry.continued),
                         None)
            deepest = group or deepest
        return deepest

    @property
    def total(self) -> int:
        return len(self.comparison.changes)

    @property
    def last_shown(self) -> int:
        return self.offset + len(self.rows)

    @property
    def remaining(self) -> int:
        return 0 if self.next_offset is None else self.total - self.next_offset

    @property
    def step_remaining(self) -> int:
        steps = self.comparison.steps
        return 0 if steps is None or self.step_next is None else len(steps.rows) - self.step_next

    @property
    def first_difference(self) -> StepLine | None:
        steps = self.comparison.steps
        first = None if steps is None else steps.first_difference
        return None if first is None else _step_line(first, self.comparison)

    @property
    def flipped(self) -> tuple[GlanceRow, ...]:
        return self.comparison.flipped[:FLIPPED_SHOWN]

    def as_json(self) -> dict[str, object]:
        comparison, steps = self.comparison, self.comparison.steps
        return {
            "a": self.a_id,
            "b": self.b_id,
            "counts": comparison.counts,
            "complete": comparison.complete,
            "ignored": {"keys": list(comparison.ignore.patterns), "values_hidden": comparison.hidden},
            "glance": [_glance_json(row) for row in comparison.glance],
            "criteria_flipped": [_glance_json(row) for row in self.flipped],
            "steps": None if steps is None else {
                "a_pointer": steps.a_pointer, "b_pointer": steps.b_pointer,
                "a_count": steps.a_count, "b_count": steps.b_count, "differences": steps.differences,
                "first_difference": None if steps.first_difference is None else _step_json(steps.first_difference),
                "rows": [_step_json(line.row) for line in self.step_rows],
                "offset": self.step_offset, "next_offset": self.step_next, "total": len(steps.rows),
            },
            "changes": [_change_json(row) for row in self.rows],
            "groups": [_group_json(group) for group in _groups(self.root)],
            "offset": self.offset,
            "next_offset": self.next_offset,
            "total": self.total,
        }


def comparison_page(comparison: Comparison, a_id: str, b_id: str, offset: int = 0, step_offset: int = 0,
                    limits: Limits = Limits()) -> ComparisonPage:
    """The page of `comparison` listing changes from `offset` and step rows from `step_offset`."""
    changes = comparison.changes
    offset = max(0, min(offset, len(changes) - 1)) if changes else 0
    rows: list[ChangeRow] = []
    tree = _Tree()
    spent = 0
    at = offset
    while at < len(changes) and len(rows) < limits.page_size:
        row = change_row(changes[at], limits.string_chars)
        spent += _bytes(row) + tree.cost(changes[at])
        if rows and spent > limits.byte_budget:
            break
        tree.add(changes[at], at, row)
        rows.append(row)
        at += 1
    tree.count_unchanged(comparison, offset)
    step_list = comparison.steps.rows if comparison.steps is not None else ()
    step_offset = max(0, min(step_offset, len(step_list) - 1)) if step_list else 0
    step_end = step_offset + limits.step_rows
    return ComparisonPage(
        a_id=a_id, b_id=b_id, comparison=comparison,
        rows=tuple(rows), offset=offset, next_offset=at if at < len(changes) else None,
        step_rows=tuple(_step_line(row, comparison) for row in step_list[step_offset:step_end]),
        step_offset=step_offset,
        step_next=step_end if step_end < len(step_list) else None,
        root=tree.root if rows else None,
    )


def _step_line(row: StepRow, comparison: Comparison) -> StepLine:
    steps = comparison.steps
    assert steps is not None
    a_pointer = None if row.a_index is None else json_pointer(steps.a_pointer, row.a_index)
    b_pointer = None if row.b_index is None else json_pointer(steps.b_pointer, row.b_index)
    if row.count == 1:
        return StepLine(row, a_pointer, b_pointer)
    assert row.a_index is not None and row.b_index is not None  # a run of identical steps
    return StepLine(row, a_pointer, b_pointer, row.a_index + row.count - 1, row.b_index + row.count - 1)


def change_row(change: Change, string_chars: int) -> ChangeRow:
    """One change as shown."""
    inline: tuple[tuple[str, str], ...] = ()
    if change.kind == CHANGED and isinstance(change.before, str) and isinstance(change.after, str):
        inline = inline_diff(change.before, change.after, string_chars)
    has_before = change.a_pointer is not None and change.kind != "moved"
    has_after = change.b_pointer is not None and change.kind != "moved"
    return ChangeRow(
        kind=change.kind,
        a=_place(change.a_pointer),
        b=_place(change.b_pointer),
        before=shown(change.before, string_chars) if has_before else None,
        after=shown(change.after, string_chars) if has_after else None,
        inline=inline,
        key=_key_label(change.a_pointer, change.b_pointer),
    )


def shown(value: object, string_chars: int) -> Shown:
    """`value` as a change shows it."""
    if isinstance(value, str):
        return Shown(value[:string_chars], "string", len(value) > string_chars, len(value))
    if isinstance(value, dict):
        return Shown(preview_text(value) if value else "{}", "object", size=count_label(value))
    if isinstance(value, list):
        return Shown(preview_text(value) if value else "[]", "array", size=count_label(value))
    if value is None:
        return Shown("null", "null")
    if isinstance(value, bool):
        return Shown("true" if value else "false", "boolean")
    text = repr(value)
    return Shown(text[:string_chars] + ("…" if len(text) > string_chars else ""), "number")


def _place(pointer: str | None) -> Place | None:
    if pointer is None:
        return None
    text = pointer if len(pointer) <= POINTER_CHARS else pointer[:POINTER_CHARS] + "…"
    linked = len(pointer) <= LINKED_POINTER_CHARS and pointer_fragment(pointer) is not None
    return Place(pointer if linked else "", text, linked)


def inline_diff(before: str, after: str, string_chars: int) -> tuple[tuple[str, str], ...]:
    """The changed part of a string, word by word, with a little of what is around it; at most
    INLINE_SEGMENTS segments, each cut at `string_chars`."""
    # The whole word that changed, not its last letters (up to a word's length: a string can be
    # one megabyte-long "word").
    head = common = len(commonprefix([before, after]))
    while head > common - WORD_CHARS and head and _in_word(before, head - 1) and (
        _in_word(before, head) or _in_word(after, head)
    ):
        head -= 1
    tail = common = len(commonprefix([before[head:][::-1], after[head:][::-1]]))
    while tail > common - WORD_CHARS and tail and _in_word(before, len(before) - tail) and (
        _in_word(before, len(before) - tail - 1) or _in_word(after, len(after) - tail - 1)
    ):
        tail -= 1
    old, new = before[head : len(before) - tail], after[head : len(after) - tail]
    segments: list[tuple[str, str]] = []
    if head:
        segments.append(("equal", ("…" + before[head - INLINE_CONTEXT : head]) if head > INLINE_CONTEXT
                         else before[:head]))
    if 0 < len(old) + len(new) <= INLINE_TOKENS_CHARS:
        old_words, new_words = WORDS.findall(old), WORDS.findall(new)
        for op, i1, i2, j1, j2 in SequenceMatcher(None, old_words, new_words, autojunk=False).get_opcodes():
            if op in ("equal", "replace", "delete") and i2 > i1:
                segments.append(("equal" if op == "equal" else "delete", "".join(old_words[i1:i2])))
            if op in ("replace", "insert") and j2 > j1:
                segments.append(("insert", "".join(new_words[j1:j2])))
    else:
        segments.extend(part for part in (("delete", old), ("insert", new)) if part[1])
    if tail:
        rest = before[len(before) - tail :]
        segments.append(("equal", rest[:INLINE_CONTEXT] + "…" if tail > INLINE_CONTEXT else rest))
    if len(segments) > INLINE_SEGMENTS:
        segments = [*segments[: INLINE_SEGMENTS - 1], ("equal", "…")]
    return tuple((op, text[:string_chars] + "…" if len(text) > string_chars else text) for op, text in segments)


def _in_word(text: str, at: int) -> bool:
    return 0 <= at < len(text) and (text[at].isalnum() or text[at] == "_")


def _bytes(row: ChangeRow) -> int:
    """About how many bytes the row takes in the page: its texts escaped, its links."""
    texts = [row.key, *(segment for _, segment in row.inline)]
    for value in (row.before, row.after):
        if value is not None:
            texts.append(value.text)
    spent = ROW_OVERHEAD + sum(len(text_html(text).encode()) for text in texts)
    for place in (row.a, row.b):
        if place is not None:
            spent += 2 * len(text_html(place.text).encode())
            if place.linked:  # the run page's deep link and the raw value's, percent-encoded
                spent += 2 * len(attr_html(pointer_fragment(place.pointer) or ""))
    return spent


# --- The tree of changes --------------------------------------------------------------------


class _Tree:
    """The page's changes under their containers, built a change at a time in document order
    (so a group, once left, never gets another change)."""

    def __init__(self) -> None:
        self.root = ChangeGroup("", Place("", "", True), Place("", "", True))
        self.groups: dict[tuple[str, str], ChangeGroup] = {("", ""): self.root}

    def cost(self, change: Change) -> int:
        """About how many bytes the groups `change` would open take in the page."""
        spent = 0
        for key, label in _chain(change):
            if key not in self.groups:
                spent += GROUP_OVERHEAD + len(text_html(label).encode()) + sum(
                    len(attr_html(pointer_fragment(place.pointer) or ""))
                    for place in (_place(key[0]), _place(key[1])) if place is not None and place.linked)
        return spent

    def add(self, change: Change, at: int, row: ChangeRow) -> None:
        group = self.root
        for key, label in _chain(change):
            child = self.groups.get(key)
            if child is None:
                a, b = _place(key[0]), _place(key[1])
                assert a is not None and b is not None
                child = self.groups[key] = ChangeGroup(label, a, b, first=at, pointers=key)
                group.entries.append(child)
            group = child
        group.entries.append(row)

    def count_unchanged(self, comparison: Comparison, offset: int) -> None:
        """Each group's unchanged children and whether the previous page began it, reading only
        the containers on the page (top down: each container found inside its parent's)."""
        changes = comparison.changes
        before = _a_path(changes[offset - 1]) if offset else None
        stack: list[tuple[ChangeGroup, str, object]] = [(self.root, "", comparison.records[0])]
        while stack:
            group, parent_pointer, parent_value = stack.pop()
            pointer = group.pointers[0]
            value = _descend(parent_value, parent_pointer, pointer) if group is not self.root else parent_value
            if isinstance(value, (dict, list)):
                group.of = "keys" if isinstance(value, dict) else "items"
                touched = _children_changed(changes, group.first, pointer, comparison.complete)
                group.unchanged = None if touched is None else max(0, len(value) - touched)
            group.continued = group is not self.root and before is not None and _under(before, pointer)
            stack.extend((entry, pointer, value) for entry in group.entries if isinstance(entry, ChangeGroup))


def _chain(change: Change) -> Iterator[tuple[tuple[str, str], str]]:
    """The groups a change is listed in, outermost first: (its pointers in A and B, its label)."""
    container = _container(change)
    if container is None or container == ("", ""):
        return
    parts_a, parts_b = container[0].split("/")[1:], container[1].split("/")[1:]
    if len(parts_a) != len(parts_b):  # never from the walk, which opens both sides a level at a time
        yield container, _pair_label(container[0], container[1])
        return
    depth = len(parts_a)
    for level in range(1, min(depth, MAX_NESTING - 1) + 1):
        key = ("/" + "/".join(parts_a[:level]), "/" + "/".join(parts_b[:level]))
        yield key, _pair_label(_unescaped(parts_a[level - 1]), _unescaped(parts_b[level - 1]))
    rest = MAX_NESTING - 1  # deeper: one group, labelled by the rest of its path
    if depth > rest:
        yield container, _pair_label("/".join(parts_a[rest:]), "/".join(parts_b[rest:]))


def _container(change: Change) -> tuple[str, str] | None:
    """The pointers in A and B of the object or array `change` lies in; None for the root."""
    if change.container is not None:
        return change.container
    if change.a_pointer and change.b_pointer:  # a changed value: the walk opened its parents
        return change.a_pointer.rsplit("/", 1)[0], change.b_pointer.rsplit("/", 1)[0]
    return None


def _unescaped(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _pair_label(a: str, b: str) -> str:
    a = a[:LABEL_CHARS] + "…" if len(a) > LABEL_CHARS else a
    b = b[:LABEL_CHARS] + "…" if len(b) > LABEL_CHARS else b
    return a if a == b else f"{a} → {b}"


def _key_label(a_pointer: str | None, b_pointer: str | None) -> str:
    """A change's own key or index: the last token of its pointers (both, when they differ)."""
    if a_pointer == "" or b_pointer == "":
        return "(the record)"
    last_a = None if a_pointer is None else _unescaped(a_pointer.rsplit("/", 1)[1])
    last_b = None if b_pointer is None else _unescaped(b_pointer.rsplit("/", 1)[1])
    if last_a is None or last_b is None:
        return _pair_label(last_a or last_b or "", last_a or last_b or "")
    return _pair_label(last_a, last_b)


def _a_path(change: Change) -> str:
    """Where a change lies in A: its pointer there, or (a value only in B) its container's."""
    if change.a_pointer is not None:
        return change.a_pointer
    return change.container[0] if change.container is not None else ""


def _under(pointer: str, container: str) -> bool:
    return pointer == container or pointer.startswith(container + "/")


def _first(true_from: Callable[[int], bool], low: int, high: int) -> int:
    """The first index in [low, high) where `true_from` holds, which holds from there on; `high` if none."""
    return low + bisect_left(range(low, high), True, key=true_from)


def _gallop(true_from: Callable[[int], bool], low: int, high: int) -> int:
    """_first, probing low, low + 1, low + 3, … first: a child's run of changes is mostly short."""
    step, last_false = 1, low - 1
    while low < high and not true_from(low):
        last_false = low
        low = min(low + step, high)
        step *= 2
    return _first(true_from, last_false + 1, low)


def _children_changed(changes: tuple[Change, ...], at: int, pointer: str, complete: bool) -> int | None:
    """How many children of A's container at `pointer` have a change in them (changes[at] is one).

    The walk lists changes in document order, so a container's changes are one run of the
    list, and so are each child's: binary searches find the container's run, and step from
    child to child, work in the number of children changed (and their runs' logarithms). None when the list stopped early
    inside the container (its later children are not known)."""
    def inside(container: str) -> Callable[[int], bool]:
        return lambda k: _under(_a_path(changes[k]), container)

    def past(container: str) -> Callable[[int], bool]:
        return lambda k: not _under(_a_path(changes[k]), container)

    start = _first(inside(pointer), 0, at + 1)
    end = _first(past(pointer), at, len(changes))
    if end == len(changes) and not complete:
        return None
    touched, k, prefix = 0, start, pointer + "/"
    while k < end:
        path = _a_path(changes[k])
        if path == pointer:  # a value only in B, added to the container itself
            k += 1
            continue
        child = prefix + path[len(prefix):].split("/", 1)[0]
        k = _gallop(past(child), k + 1, end)
        touched += 1
    return touched


def _descend(value: object, parent_pointer: str, pointer: str) -> object:
    """The node at `pointer` (in A), found from its ancestor at `parent_pointer`; None if not there."""
    for token in pointer_tokens(pointer[len(parent_pointer):]) if pointer.startswith(parent_pointer) else ():
        if isinstance(value, dict):
            value = value.get(token)
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return None
    return value


def _lines(group: ChangeGroup) -> Iterator[TreeLine]:
    """The group's entries as lines, groups opened and closed around theirs (nesting is at most
    MAX_NESTING deep, so recursion is bounded)."""
    for entry in group.entries:
        if isinstance(entry, ChangeRow):
            yield TreeLine("change", row=entry)
        else:
            yield TreeLine("open", group=entry)
            yield from _lines(entry)
            yield TreeLine("close", group=entry)


def _groups(root: ChangeGroup | None) -> Iterator[ChangeGroup]:
    """The record's group and every group on the page, in document order."""
    if root is None:
        return
    yield root
    for line in _lines(root):
        if line.kind == "open" and line.group is not None:
            yield line.group


def _group_json(group: ChangeGroup) -> dict[str, object]:
    return {"a_pointer": group.a.pointer if group.a.linked else group.a.text,
            "b_pointer": group.b.pointer if group.b.linked else group.b.text,
            "pointers_cut": not (group.a.linked and group.b.linked), "label": group.label,
            "unchanged": group.unchanged, "of": group.of, "continued": group.continued}


def _shown_json(value: Shown | None) -> dict[str, object] | None:
    if value is None:
        return None
    return {"text": value.text, "type": value.kind, "cut": value.cut, "length": value.length or None,
            "size": value.size or None}


def _change_json(row: ChangeRow) -> dict[str, object]:
    return {
        "kind": row.kind,
        # A pointer too long to link is cut, as on the page: "pointers_cut" says so.
        "a_pointer": None if row.a is None else row.a.pointer or row.a.text,
        "b_pointer": None if row.b is None else row.b.pointer or row.b.text,
        "pointers_cut": any(place is not None and not place.linked for place in (row.a, row.b)),
        "before": _shown_json(row.before),
        "after": _shown_json(row.after),
        "inline": [list(segment) for segment in row.inline],
    }


def _glance_json(row: GlanceRow) -> dict[str, object]:
    return {"label": _scalar(row.label), "before": _scalar(row.before), "after": _scalar(row.after),
            "a_pointer": row.a_pointer, "b_pointer": row.b_pointer, "changed": row.changed}


def _scalar(value: object) -> object:
    return value[:300] if isinstance(value, str) else value


def _step_json(row: StepRow) -> dict[str, object]:
    return {"state": row.state, "a_index": row.a_index, "b_index": row.b_index, "count": row.count,
            "changes": row.changes, "kind": _scalar(row.kind), "name": _scalar(row.name)}
