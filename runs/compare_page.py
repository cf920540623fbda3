"""One page of a comparison, as the compare page and its ?format=json show it, within budgets.

Pure: a Comparison (runs/compare.py) in, dataclasses out. Like the tree, a
page holds a bounded amount whatever the records hold: strings are cut at
`string_chars` (with their full length, for "show all"), objects and arrays
are a short preview, pointers too long for a link are shown cut and not
linked, and changes are listed until `byte_budget` bytes of escaped text or
`page_size` rows, whichever comes first; "… N more changes" continues at
`next_offset`. The steps are listed `step_rows` rows a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from os.path import commonprefix

from runs.compare import CHANGED, Change, Comparison, GlanceRow, StepRow
from runs.escaping import attr_html, text_html
from runs.node_html import count_label, preview_text
from runs.paths import json_pointer, pointer_fragment

POINTER_CHARS = 200  # of a pointer shown as text
LINKED_POINTER_CHARS = 4000  # longer pointers are not links (one key can be a megabyte)
INLINE_CONTEXT = 60  # characters shown around a changed part of a string
INLINE_TOKENS_CHARS = 2000  # changed parts longer than this are shown whole, not word by word
INLINE_SEGMENTS = 40
WORD_CHARS = 40
ROW_OVERHEAD = 900  # bytes of markup around one change's text
FLIPPED_SHOWN = 20
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
    spent = 0
    at = offset
    while at < len(changes) and len(rows) < limits.page_size:
        row = change_row(changes[at], limits.string_chars)
        spent += _bytes(row)
        if rows and spent > limits.byte_budget:
            break
        rows.append(row)
        at += 1
    step_list = comparison.steps.rows if comparison.steps is not None else ()
    step_offset = max(0, min(step_offset, len(step_list) - 1)) if step_list else 0
    step_end = step_offset + limits.step_rows
    return ComparisonPage(
        a_id=a_id, b_id=b_id, comparison=comparison,
        rows=tuple(rows), offset=offset, next_offset=at if at < len(changes) else None,
        step_rows=tuple(_step_line(row, comparison) for row in step_list[step_offset:step_end]),
        step_offset=step_offset,
        step_next=step_end if step_end < len(step_list) else None,
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
    texts = [segment for _, segment in row.inline]
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
