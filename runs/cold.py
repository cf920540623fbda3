"""Parts of a stored record answered by a process that has not parsed it ("cold").

Parsing 50 MB takes half a second and indexing it for search a second more:
too long for the first subtree or search a web process serves for a record
another process fetched. So once a process has parsed a record and built its
search index (in the background, runs/records.py), it stores with the
snapshot what others need instead (SnapshotOutline): the record's outline
(runs/outline.py: where its top two levels lie in the body) and the search
index's parts. A process without the record then

- answers for a node (tree fragments, locate, Markdown, /raw?at=) by parsing
  only the outlined part on its way: a step of the trace, not the trace. The
  view gets a stand-in record that has the way to that node and nothing else
  (`part`); a view that would read a whole outlined container (the root,
  ?count=) parses the record as before;
- searches with the stored index, restored in a few tens of milliseconds
  (`searchable`): positions come from its own numbers, not from the record;
- and parses the record in the background meanwhile, so that it is warm for
  what comes next.

An outline is used only for the body it was made from (its sha256); with none
(not made yet, an old snapshot, a scalar record) the record is parsed whole.
"""

from __future__ import annotations

import logging
import threading
import time
from array import array
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, TypeVar

import zstandard
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from runs import jsonio, records
from runs.models import Snapshot, SnapshotOutline, decode_body
from runs.outline import ARRAY, Outlined, children_of, longest_span, outline_of, pack, unpack
from runs.paths import Positions, is_decimal, parse_positions, pointer_tokens
from runs.records import ParsedRecord
from runs.search import IndexParts, SearchIndex

logger = logging.getLogger(__name__)
T = TypeVar("T")

OUTLINED_FROM_BYTES = 1_000_000  # smaller records parse in a few ms: nothing is stored for them
# A part bigger than this on the way to a node is not parsed for one request: the record is
# loaded instead (records.load), one shared parse within RECORD_PARSES_AT_ONCE.
PART_BYTES_PARSED = 1_000_000
INDEX_FORMAT = 1
WARM_UP_DELAY = 1.0  # seconds between answering cold and parsing the record in the background
INDEX_ZSTD_LEVEL = 3  # 50 MB of index: 4.4 MB in ~90 ms; level 9 saves a fifth at 5x the time

# What a view reads of the node a request names: only the way to it (locate,
# Markdown: a string is parsed whole anyway), a page of its children (tree
# fragments: an outlined array's items are parsed as they are rendered), or all
# of it (?count=, /raw).
Reads = Literal["way", "page", "whole"]


# --- Storing, after a record's search index is built -------------------------------


def keep_in_background(parsed: ParsedRecord) -> None:
    """Store the outline and search index of `parsed` (runs/records.py calls this in its
    background thread once the index is built), for records of OUTLINED_FROM_BYTES or more."""
    if not settings.OUTLINES_IN_BACKGROUND or parsed.size_bytes < OUTLINED_FROM_BYTES:
        return
    try:
        keep(parsed)
    except Exception:  # a background thread has no one to answer: log it (the record still works)
        logger.warning("outline of run %s not stored", parsed.run_id, exc_info=True)
    finally:
        connection.close()  # this thread's own connection


def keep(parsed: ParsedRecord) -> bool:
    """Store the outline and search index of `parsed` with its snapshot; False if they are
    stored already, or the snapshot holds another record by now."""
    snapshot = Snapshot.objects.filter(run_id=parsed.run_id, sha256=parsed.sha256).only("id").first()
    if snapshot is None or SnapshotOutline.objects.filter(snapshot=snapshot, sha256=parsed.sha256).exists():
        return False
    stored = Snapshot.objects.filter(pk=snapshot.pk, sha256=parsed.sha256).values_list("body", "encoding").first()
    if stored is None:
        return False
    root = outline_of(decode_body(*stored), parsed.record)
    fields = {
        "sha256": parsed.sha256,
        "outline": b"" if root is None else pack(root),
        "search_index": pack_index(parsed.search_index().parts()),
        "made_at": timezone.now(),
    }
    try:
        with transaction.atomic():
            # Still this record's snapshot (locked till the outline is written): a slow keep of
            # an older body must not replace the outline of the newer one stored since.
            if not Snapshot.objects.select_for_update().filter(pk=snapshot.pk, sha256=parsed.sha256).exists():
                return False
            SnapshotOutline.objects.update_or_create(snapshot=snapshot, defaults=fields)
    except IntegrityError:  # another process stored it meanwhile
        return False
    return True


def pack_index(parts: IndexParts) -> bytes:
    """A search index's parts as stored: the size of the first frame, then two Zstandard
    frames: the sizes and arrays, and the text (its own frame: it decompresses into the
    bytes a search reads, with no copy)."""
    arrays = (parts.blocks, parts.starts, parts.ends, parts.skips)
    head = array("q", [INDEX_FORMAT, parts.nodes, *map(len, arrays)])
    numbers = zstandard.compress(b"".join([head.tobytes(), *(each.tobytes() for each in arrays)]), INDEX_ZSTD_LEVEL)
    return b"".join([len(numbers).to_bytes(8, "little"), numbers, zstandard.compress(parts.text, INDEX_ZSTD_LEVEL)])


def unpack_index(stored: bytes | memoryview) -> IndexParts | None:
    """The parts `pack_index` stored; None if of another format."""
    stored = memoryview(stored)
    numbers_end = 8 + int.from_bytes(stored[:8], "little")
    numbers = array("q")
    numbers.frombytes(zstandard.decompress(stored[8:numbers_end]))
    if numbers[0] != INDEX_FORMAT:
        return None
    nodes, at, arrays = numbers[1], 6, []
    for length in numbers[2:6]:
        arrays.append(numbers[at : at + length])
        at += length
    blocks, starts, ends, skips = arrays
    return IndexParts(zstandard.decompress(stored[numbers_end:]), blocks, starts, ends, skips, nodes)


# --- Answering without the record ---------------------------------------------------


def searchable(run_id: str) -> ParsedRecord | None:
    """The run's record for a search in a process that has not parsed it: its stored index,
    without the record. None when the record is kept here, or no index is stored (parse it)."""
    current = _current_snapshot(run_id)
    if current is None:
        return None
    stored = (SnapshotOutline.objects.filter(snapshot_id=current["id"], sha256=current["sha256"])
              .values_list("search_index", flat=True).first())
    parts = None if stored is None else _read_stored(unpack_index, stored, "search index")
    if parts is None:
        return None
    _warm_up(run_id)
    return _stand_in(run_id, current, {}, SearchIndex.restored(parts))


def _read_stored(unpacking: Callable[[bytes | memoryview], T | None], stored: bytes | memoryview,
                 what: str) -> T | None:
    """What `unpacking` reads from `stored`; None, and a warning, if it cannot (parse the record)."""
    try:
        return unpacking(stored)
    except (zstandard.ZstdError, ValueError, IndexError):  # not one this code stored
        logger.warning("a stored %s could not be read", what, exc_info=True)
        return None


def part(run_id: str, params: Mapping[str, str], reads: Reads) -> ParsedRecord | None:
    """The run's record as far as a request for the node named by ?at= or ?pointer= needs it,
    in a process that has not parsed it: the way to that node, parsed from its outlined part.
    None when the record is kept here, no outline is stored, or the view `reads` more of the
    node than its outline spares (parse it whole)."""
    current = _current_snapshot(run_id)
    if current is None:
        return None
    found = (SnapshotOutline.objects.filter(snapshot_id=current["id"], sha256=current["sha256"])
             .values_list("outline", flat=True).first())
    root = _read_stored(unpack, found, "outline") if found else None
    if root is None:
        return None
    body = _body(current)
    if body is None:
        return None
    way = _outlined_way(root, body, params)
    target = _outlined_target(root, way, body)
    if target is not None and not _spares(target, reads):
        return None
    if _bytes_parsed_on(root, way, body) > PART_BYTES_PARSED:
        return None
    _warm_up(run_id)
    return _stand_in(run_id, current, _build(root, body, way), None)


def _bytes_parsed_on(root: Outlined, way: Positions, body: bytes) -> int:
    """The size of the part a stand-in parses on `way`: the first child on it that is not an
    outlined container (0 if the way ends at one)."""
    node = root
    for position in way:
        index = _child_index(node, position, body)
        if index is None:
            return 0
        if index not in node.inner:
            start, end = node.value_spans[index]
            return end - start
        node = node.inner[index]
    return 0


def _current_snapshot(run_id: str) -> dict | None:
    """The run's snapshot (its id, digest, time, size) when this process does not keep its record."""
    if records.kept(run_id) is not None:
        return None  # records.load checks it is the current one (no query here for a warm process)
    current = Snapshot.objects.filter(run_id=run_id).values("id", "sha256", "fetched_at", "size_bytes").first()
    if current is None or records.kept(run_id, current["sha256"]) is not None:
        return None
    return current


def _body(current: dict) -> bytes | None:
    stored = Snapshot.objects.filter(pk=current["id"], sha256=current["sha256"]).values_list("body", "encoding").first()
    return None if stored is None else decode_body(*stored)


def _stand_in(run_id: str, current: dict, record: dict | list, index: SearchIndex | None) -> ParsedRecord:
    """A ParsedRecord for one request, never kept (records.remember) nor indexed from its record."""
    return ParsedRecord(
        run_id=run_id, sha256=current["sha256"], size_bytes=current["size_bytes"],
        fetched_at=current["fetched_at"], record=record,  # type: ignore[arg-type]  # a stand-in array
        _index=index,
    )


def _outlined_way(root: Outlined, body: bytes, params: Mapping[str, str]) -> Positions:
    """The positions of the request's node, as far as they go through outlined containers
    (a pointer's keys are looked up in the outline). A malformed ?at= goes nowhere: the
    view says so, from any record."""
    if "at" in params:
        try:
            return parse_positions(params["at"])
        except ValueError:
            return ()
    try:
        tokens = pointer_tokens(params.get("pointer", ""))
    except ValueError:
        return ()
    way: list[int] = []
    node: Outlined | None = root
    for token in tokens:
        if node is None:
            break
        if node.kind == ARRAY:
            if not (is_decimal(token) and (token == "0" or token[0] != "0") and int(token) < len(node.value_spans)):
                break
            way.append(int(token))
            node = node.inner.get(int(token))
        else:
            children = children_of(node, body)
            position = next((i for i, (key, _index) in enumerate(children) if key == token), None)
            if position is None:
                break
            way.append(position)
            node = node.inner.get(children[position][1])
    return tuple(way)


def _outlined_target(root: Outlined, way: Positions, body: bytes) -> Outlined | None:
    """The outlined container at `way`, if the way ends at one (its content is not parsed)."""
    node = root
    for position in way:
        index = _child_index(node, position, body)
        if index is None or index not in node.inner:
            return None
        node = node.inner[index]
    return node


def _spares(target: Outlined, reads: Reads) -> bool:
    """Whether a view that `reads` this much of an outlined container can do with its stand-in:
    the way to it always; a page of its children when it is an array of parsed items, none of
    them over PART_BYTES_PARSED (a page parses up to TREE_PAGE_SIZE of them)."""
    if reads == "way":
        return True
    return (reads == "page" and target.kind == ARRAY and not target.inner
            and longest_span(target.value_spans) <= PART_BYTES_PARSED)


def _child_index(node: Outlined, position: int, body: bytes) -> int | None:
    """The outline's index of the child at `position` (an object's keys may repeat)."""
    if node.kind == ARRAY:
        return position if 0 <= position < len(node.value_spans) else None
    children = children_of(node, body)
    return children[position][1] if 0 <= position < len(children) else None


def _build(node: Outlined, body: bytes, way: Sequence[int]) -> dict | list:
    """A stand-in for the outlined container `node`: its keys, the child on `way` built or
    parsed, the other children of an object None; an array's items parsed when read."""
    if node.kind == ARRAY:
        return _Items(node, body, way)
    children = children_of(node, body)
    stand_in: dict[str, object] = dict.fromkeys(key for key, _index in children)  # type: ignore[misc]
    if way and 0 <= way[0] < len(children):
        key, index = children[way[0]]
        stand_in[str(key)] = _child(node, index, body, way[1:])
    return stand_in


def _child(node: Outlined, index: int, body: bytes, way: Sequence[int]) -> object:
    inner = node.inner.get(index)
    if inner is not None:
        return _build(inner, body, way)
    start, end = node.value_spans[index]
    return jsonio.parse(body[start:end])


class _Items(list):
    """An outlined array standing in for the parsed one: its length, and each item parsed from
    its bytes when read, by index or slice (as paths.py and rendering.py read arrays). Its own
    storage stays empty: never give it to code that reads a list's items in C (orjson)."""

    def __init__(self, node: Outlined, body: bytes, way: Sequence[int]) -> None:
        super().__init__()
        self._node, self._body, self._way = node, body, way
        self._parsed: dict[int, object] = {}

    def __len__(self) -> int:
        return len(self._node.value_spans)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __getitem__(self, index: int | slice) -> object:  # type: ignore[override]
        if isinstance(index, slice):
            return [self._item(each) for each in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._item(index)

    def _item(self, index: int) -> object:
        # Parsed once: a render tells the containers it planned from those it writes by id().
        if index not in self._parsed:
            way = self._way[1:] if self._way and self._way[0] == index else ()
            self._parsed[index] = _child(self._node, index, self._body, way)
        return self._parsed[index]


# --- Warming up ---------------------------------------------------------------------

_warming: set[str] = set()
_warming_lock = threading.Lock()


def _warm_up(run_id: str) -> None:
    """Parse the run's record in a background thread (records.load), once at a time, so
    that this process has it for what comes next (OUTLINES_IN_BACKGROUND)."""
    if not settings.OUTLINES_IN_BACKGROUND:
        return
    with _warming_lock:
        if run_id in _warming:
            return
        _warming.add(run_id)
    threading.Thread(target=_load_in_background, args=(run_id,), name=f"warm up {run_id}", daemon=True).start()


def _load_in_background(run_id: str) -> None:
    # orjson holds the GIL for all of a parse (0.5 s for 50 MB): let the request that
    # started this answer first.
    time.sleep(WARM_UP_DELAY)
    try:
        records.load(run_id)
    except records.ParsesBusy:  # as many parses as allowed already: a later request parses it
        logger.debug("run %s not parsed in the background: parses busy", run_id)
    except Exception:  # a background thread has no one to answer: log it
        logger.exception("parsing run %s in the background failed", run_id)
    finally:
        with _warming_lock:
            _warming.discard(run_id)
        connection.close()  # this thread's own connection
