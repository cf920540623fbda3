"""Any array of objects as a table: columns from the keys most items have, 100 rows a page.

Pure: parsed JSON in, dataclasses out. /runs/<id>/table renders a TablePage as
HTML or, with ?format=json, as data.
"""

from __future__ import annotations

from dataclasses import dataclass

from runs.node_html import preview_text
from runs.paging import PAGE_SIZE, Paged, page_start
from runs.paths import json_pointer

MAX_COLUMNS = 12
COLUMN_SHARE = 0.2  # a key becomes a column when at least this share of the items have it
KEYS_COUNTED = 2_000  # items whose keys choose the columns: work bounded on huge arrays


@dataclass(frozen=True)
class Cell:
    pointer: str
    value: object  # a scalar; None for a container (see preview)
    preview: str | None = None  # a container's short look


@dataclass(frozen=True)
class Row:
    index: int
    pointer: str
    cells: tuple[Cell | None, ...]  # None where the item has no such key (or is no object)


@dataclass(frozen=True)
class TablePage(Paged):
    pointer: str
    total: int
    offset: int
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    @property
    def shown(self) -> int:
        return len(self.rows)

    def as_json(self) -> dict[str, object]:
        def cell(found: Cell | None) -> dict[str, object] | None:
            if found is None:
                return None
            shown: dict[str, object] = {"preview": found.preview} if found.preview is not None else {"value": found.value}
            return {"pointer": found.pointer, **shown}

        return {
            "pointer": self.pointer,
            "total": self.total,
            "offset": self.offset,
            "columns": list(self.columns),
            "rows": [{"index": row.index, "pointer": row.pointer, "cells": [cell(c) for c in row.cells]}
                     for row in self.rows],
        }


def columns_of(items: list) -> tuple[str, ...]:
    """Keys that at least a fifth of the items have, in first-seen order, MAX_COLUMNS at most."""
    counted = items[:KEYS_COUNTED]
    counts: dict[str, int] = {}
    for item in counted:
        if isinstance(item, dict):
            for key in item:
                counts[key] = counts.get(key, 0) + 1
    needed = max(1, len(counted) * COLUMN_SHARE)
    return tuple(key for key, count in counts.items() if count >= needed)[:MAX_COLUMNS]


def table_page(items: list, pointer: str, offset: int = 0) -> TablePage:
    """Page `offset // PAGE_SIZE` of the array `items` at `pointer`, as a table."""
    offset = page_start(offset, len(items))
    columns = columns_of(items)
    rows = tuple(
        _row(index, items[index], json_pointer(pointer, index), columns)
        for index in range(offset, min(offset + PAGE_SIZE, len(items)))
    )
    return TablePage(pointer=pointer, total=len(items), offset=offset, columns=columns, rows=rows)


def _row(index: int, item: object, pointer: str, columns: tuple[str, ...]) -> Row:
    if not isinstance(item, dict):
        return Row(index, pointer, tuple(None for _ in columns))
    return Row(index, pointer, tuple(_cell(item, key, pointer) for key in columns))


def _cell(item: dict, key: str, pointer: str) -> Cell | None:
    if key not in item:
        return None
    value = item[key]
    where = json_pointer(pointer, key)
    if isinstance(value, (dict, list)):
        return Cell(where, None, preview_text(value))
    return Cell(where, value)


def mostly_objects(items: list, sample: int = 20) -> bool:
    """Whether an array reads as a table: most of its first items are objects."""
    first = items[:sample]
    return len(first) > 0 and sum(isinstance(item, dict) for item in first) * 2 > len(first)
