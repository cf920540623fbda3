"""Cold processes: parts and searches of a stored record answered from its outline and stored
index (runs/outline.py, runs/cold.py), the same as a process that parsed the record answers."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runs import cold, jsonio, records
from runs import outline as outline_module
from runs.models import Snapshot, SnapshotOutline
from runs.outline import ARRAY, Outlined, children_of, keys_of, outline_of, pack, unpack
from runs.paths import Positions, format_positions, json_pointer
from sample_api.records import encoded_records
from tests.fake_archal import RECORDS
from tests.strategies import json_values

# --- The outline's offsets ------------------------------------------------------

# Keys and strings that make bytes and characters differ, and escapes.
TEXT = st.text(alphabet=st.sampled_from(list('ab"\\/\n\t\x00é€😀\u2028 {}[],:')), max_size=6)
FORMATS = [
    {"separators": (",", ":")},
    {"separators": (", ", ": "), "ensure_ascii": False},
    {"indent": 2, "ensure_ascii": False},
    {"indent": "\t", "separators": (" ,", " : ")},
    {"indent": 0},
]


def assert_spans_match(node: Outlined, value: object, body: bytes) -> None:
    """Every outlined child's bytes parse to the parsed child, and keys to its keys."""
    assert body[node.start] in b"{[" and body[node.end - 1] in b"}]"
    if node.kind == ARRAY:
        assert isinstance(value, list) and len(node.value_spans) == len(value)
        children = list(enumerate(value))
    else:
        assert isinstance(value, dict) and keys_of(node, body) == list(value)
        children = [(index, value[key]) for key, index in children_of(node, body)]
    for index, child in children:
        start, end = node.value_spans[index]
        assert jsonio.parse(body[start:end]) == child
        if index in node.inner:
            assert_spans_match(node.inner[index], child, body)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    record=st.one_of(st.dictionaries(TEXT, json_values(TEXT, 5, 5, 30), max_size=6),
                     st.lists(json_values(TEXT, 5, 5, 30), max_size=6)),
    style=st.sampled_from(FORMATS),
    padding=st.sampled_from(["", " ", "\n\t \r\n"]),
)
def test_each_outlined_part_of_any_formatting_parses_to_its_child(record, style, padding):
    body = (padding + json.dumps(record, **style) + padding).encode("utf-8")
    root = outline_of(body, jsonio.parse(body))
    assert root is not None
    assert_spans_match(root, record, body)
    again = unpack(pack(root))
    assert again is not None
    assert_spans_match(again, record, body)


@pytest.mark.parametrize("body", [
    b'{"a": [1, {"b": 123456789012345678901234567890}], "c": "\\ud800 lone", "\\u00e9": [-0.5e-3, null]}',
    b'{"k": 1, "k": [2, 3], "j": {"k": {}}, "k": [4]}',  # a key given twice: first place, last value
    b'[[1, [2, [3]]], {"x\\"y": "\\\\"}, [], {}]',
    b'{"trace": [' + b", ".join(b'{"s": "' + "é😀".encode() * n + b'"}' for n in range(50)) + b"]}",
])
def test_outline_follows_big_integers_lone_surrogates_repeated_keys_and_long_items(body):
    record = jsonio.parse(body)
    root = outline_of(body, record)
    assert root is not None
    assert_spans_match(root, record, body)


def test_a_scalar_record_has_no_outline():
    assert outline_of(b' "just text" ', "just text") is None


def test_an_outline_that_disagrees_with_the_parse_is_not_kept():
    assert outline_of(b'{"a": 1, "b": 2}', {"a": 1}) is None


# --- Cold answers -----------------------------------------------------------------

SAMPLES = {**{run_id: body for run_id, body in encoded_records().items() if len(body) < 300_000},
           **{run_id: body if isinstance(body, bytes) else body.encode()
              for run_id, body in RECORDS.items() if run_id in ("run_wide", "run_awkward_keys", "run_huge_int")},
           # Not an object; the big part one level deeper than outlines go; odd spacing and escapes.
           "run_root_array": json.dumps([{"n": n, "s": "é\u2028"} for n in range(30)] + [[], {}, "x"]).encode(),
           "run_deep_trace": json.dumps({"data": {"run": {"trace": [{"step": n} for n in range(300)]}}},
                                        indent=3, ensure_ascii=False).encode(),
           "run_escapes": rb'{ "a\u00e9\"" :' + b"\n[ 1 ,\t" + rb'{"k":"\ud83d\ude00"} ] , "b" : "\u0000" }'}


def url(name: str, run_id: str) -> str:
    return reverse(f"runs:{name}", kwargs={"run_id": run_id})


def kept_with_outline(run_id: str, body: bytes) -> records.ParsedRecord:
    """The record stored as a fetch stores it, with its outline and index as the fetching
    process's background thread stores them; then no process keeps it parsed."""
    stored = Snapshot.objects.store(run_id, body)
    parsed = records.ParsedRecord(run_id=run_id, record=jsonio.parse(body), **stored)
    assert cold.keep(parsed)
    records.forget_all()
    return parsed


def some_nodes(record: object, per_container: int = 2, depth: int = 3) -> list[tuple[Positions, str]]:
    """Positions and pointers of a few nodes at each level: the first children, the last and
    the one with most entries (the trace, at the top)."""
    found: list[tuple[Positions, str]] = [((), "")]
    stack: list[tuple[object, Positions, str]] = [(record, (), "")]
    while stack:
        node, at, pointer = stack.pop()
        if not isinstance(node, (dict, list)) or len(at) >= depth:
            continue
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        biggest = max(range(len(children)), key=lambda i: _entries(children[i][1]), default=-1)  # the trace
        picked = {*range(min(per_container, len(children))), len(children) - 1, biggest} - {-1}
        for position in sorted(picked):
            key, child = children[position]
            entry = ((*at, position), json_pointer(pointer, key))
            found.append(entry)
            stack.append((child, *entry))
    return found


def _entries(value: object) -> int:
    return len(value) if isinstance(value, (dict, list)) else 0


def requests_for(record: object) -> list[str]:
    """Query strings of the requests a page makes for parts of the record, and some it does not."""
    asked = []
    for at, pointer in some_nodes(record):
        written = format_positions(at)
        asked += [f"tree?at={written}&fragment=1", f"tree?at={written}&offset=1&end=3&fragment=1",
                  f"tree?at={written}", f"tree?at={written}&count=50", f"locate?at={written}",
                  f"raw?at={written}", f"markdown?at={written}&fragment=1"]
        if pointer:
            asked += [f"locate?pointer={pointer}", f"raw?pointer={pointer}", f"tree?pointer={pointer}&fragment=1"]
    for query in ("e", "error", "id", "é", "zzz-nowhere"):
        asked.append(f"search?q={query}")
    return asked + ["tree?at=99999&fragment=1", "tree?at=0.x", "locate?pointer=/no/such", "raw?at=0.0.0.0.0.0"]


def answer(client, run_id: str, request: str) -> tuple[int, bytes]:
    name, query = request.split("?", 1)
    response = client.get(f"{url(name, run_id)}?{query}")
    return response.status_code, response.content


@pytest.mark.django_db
@pytest.mark.parametrize("run_id", sorted(SAMPLES))
def test_a_cold_process_answers_parts_and_searches_as_a_warm_one(client, run_id):
    parsed = kept_with_outline(run_id, SAMPLES[run_id])
    asked = requests_for(parsed.record)
    cold_answers, parsed_whole = [], []
    for request in asked:
        records.forget_all()
        cold_answers.append(answer(client, run_id, request))
        if records.kept(run_id, parsed.sha256) is not None:  # records.load parsed it (and keeps it)
            parsed_whole.append(request)
    # Only what reads a whole outlined container parses the record: ?count=, the root, /raw of the trace.
    assert not [request for request in parsed_whole if request.startswith(("search", "locate", "markdown"))]
    assert len(parsed_whole) < len(asked) / 3, parsed_whole
    assert records.load(run_id) is not None
    warm_answers = [answer(client, run_id, request) for request in asked]
    for request, cold_answer, warm_answer in zip(asked, cold_answers, warm_answers, strict=True):
        assert cold_answer == warm_answer, request


@pytest.mark.django_db
def test_a_cold_process_answers_a_step_of_the_trace_from_its_outlined_bytes(client):
    parsed = kept_with_outline("run_traced", json.dumps({"id": "t", "trace": [{"n": n} for n in range(500)]}).encode())
    response = client.get(url("tree", "run_traced"), {"at": "1.321", "fragment": "1"})
    assert response.status_code == 200 and b"321" in response.content
    page = client.get(url("tree", "run_traced"), {"at": "1", "offset": "300", "end": "400", "fragment": "1"})
    assert b'data-i="399"' in page.content and b'data-i="400"' not in page.content
    assert records.kept("run_traced", parsed.sha256) is None


@pytest.mark.django_db
def test_an_outline_of_an_older_record_of_the_run_is_never_used(client):
    kept_with_outline("run_changed", json.dumps({"trace": [{"v": "old"}] * 3}).encode())
    Snapshot.objects.store("run_changed", json.dumps({"trace": [{"v": "new"}] * 3}).encode())
    assert SnapshotOutline.objects.filter(snapshot__run_id="run_changed").exists()  # stale, still there
    raw = client.get(url("raw", "run_changed"), {"at": "0.1"})
    assert raw.json() == {"v": "new"}
    search = client.get(url("search", "run_changed"), {"q": "old"})
    assert search.json()["count"] == 0


@pytest.mark.django_db
def test_an_outline_goes_with_its_snapshot():
    kept_with_outline("run_gone", json.dumps({"a": [1, 2]}).encode())
    Snapshot.objects.filter(run_id="run_gone").delete()
    assert not SnapshotOutline.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_process_that_parsed_a_record_stores_its_outline_and_others_warm_up_in_the_background(settings, client):
    settings.OUTLINES_IN_BACKGROUND = True
    settings.SEARCH_INDEX_IN_BACKGROUND = True
    body = json.dumps({"trace": [{"text": "step %d " % n + "x" * 200} for n in range(5000)]}).encode()
    assert len(body) >= cold.OUTLINED_FROM_BYTES
    stored = Snapshot.objects.store("run_big", body)
    records.remember(records.ParsedRecord(run_id="run_big", record=jsonio.parse(body), **stored))
    deadline = time.monotonic() + 60  # a wait for background work, not a measurement
    while not SnapshotOutline.objects.filter(sha256=stored["sha256"]).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    row = SnapshotOutline.objects.get(sha256=stored["sha256"])
    root = unpack(row.outline)
    assert root is not None and len(root.inner[0].value_spans) == 5000
    records.forget_all()
    assert client.get(url("search", "run_big"), {"q": "step 4999 "}).json()["nodes"] == ["0.4999.0"]
    # Answered from the stored index; then this process parses the record in the background.
    deadline = time.monotonic() + 60
    while records.kept("run_big", stored["sha256"]) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert records.kept("run_big", stored["sha256"]) is not None


# --- Bounds (review of issue 12's cold path) -------------------------------------


def test_a_container_with_too_many_children_is_measured_whole_not_listed():
    # 2.5 million zeros made an outline of 80 MB of numbers, unpacked by every cold request.
    body = json.dumps({"v": [0] * (outline_module.MOST_ITEMS + 1), "w": [1, 2]}).encode()
    root = outline_of(body, jsonio.parse(body))
    assert root is not None and len(root.value_spans) == 2
    assert 0 not in root.inner and 1 in root.inner  # "v" only as its bytes, "w" listed
    start, end = root.value_spans[0]
    assert jsonio.parse(body[start:end]) == [0] * (outline_module.MOST_ITEMS + 1)


def test_a_record_with_too_many_keys_at_the_top_has_no_outline():
    body = json.dumps({f"k{n}": n for n in range(outline_module.MOST_KEYS + 1)}).encode()
    assert outline_of(body, jsonio.parse(body)) is None


def test_a_record_too_deep_for_the_standard_librarys_parser_has_no_outline_and_no_error():
    # A value orjson refuses (a 30-digit integer) past json's recursion limit: the fallback raised.
    body = ('{"a": ' + "[" * 1100 + "123456789012345678901234567890" + "]" * 1100 + "}").encode()
    assert outline_of(body, {"a": []}) is None  # (no parser here reads it whole either)


@pytest.mark.django_db
def test_a_big_part_on_the_way_is_left_to_the_shared_parse(client):
    # An object of more keys than are listed is parsed whole to reach one of its keys: past
    # PART_BYTES_PARSED that is records.load's work (one parse, within the parse slots).
    wide = {f"k{n}": "x" * 100 for n in range(outline_module.MOST_KEYS + 1)}
    parsed = kept_with_outline("run_wide_object", json.dumps({"id": "w", "m": wide}).encode())
    assert cold.part("run_wide_object", {"pointer": "/m/k7"}, "way") is None
    assert cold.part("run_wide_object", {"pointer": "/id"}, "way") is not None  # small parts still cold
    assert client.get(url("locate", "run_wide_object"), {"pointer": "/m/k7"}).status_code == 200
    assert records.kept("run_wide_object", parsed.sha256) is not None  # loaded whole, and kept


@pytest.mark.django_db
def test_a_page_of_an_array_with_an_item_too_big_to_parse_for_one_request_is_left_to_the_shared_parse():
    # A page parses up to TREE_PAGE_SIZE items: each past PART_BYTES_PARSED, outside the parse slots.
    trace = [{"n": 0, "blob": "x" * (cold.PART_BYTES_PARSED + 1)}] + [{"n": n} for n in range(1, 50)]
    kept_with_outline("run_big_item", json.dumps({"id": "b", "trace": trace}).encode())
    assert cold.part("run_big_item", {"at": "1"}, "page") is None
    assert cold.part("run_big_item", {"at": "1.7"}, "way") is not None  # one small step: still cold
    kept_with_outline("run_small_items", json.dumps({"id": "s", "trace": trace[1:]}).encode())
    assert cold.part("run_small_items", {"at": "1"}, "page") is not None


def test_the_longest_span_reads_the_same_from_a_scan_and_from_stored_numbers():
    body = json.dumps({"a": [1, "two", [3, 4, 5], {"x": "y" * 40}], "b": {}}).encode()
    root = outline_of(body, jsonio.parse(body))
    assert root is not None
    stored = unpack(pack(root))
    assert stored is not None
    listed, read = root.inner[0].value_spans, stored.inner[0].value_spans
    assert outline_module.longest_span(listed) == outline_module.longest_span(read) == len('{"x": "' + "y" * 40 + '"}')
    assert outline_module.longest_span(root.inner[1].value_spans) == 0


@pytest.mark.django_db
def test_an_unreadable_stored_outline_or_index_is_skipped_for_the_full_parse(client):
    kept_with_outline("run_garbled", json.dumps({"id": "g", "trace": [{"n": n} for n in range(20)]}).encode())
    SnapshotOutline.objects.filter(snapshot__run_id="run_garbled").update(outline=b"not zstd", search_index=b"nor this")
    assert cold.part("run_garbled", {"at": "1.3"}, "way") is None
    assert cold.searchable("run_garbled") is None
    assert client.get(url("raw", "run_garbled"), {"at": "1.3"}).json() == {"n": 3}
    assert client.get(url("search", "run_garbled"), {"q": "trace"}).json()["count"] == 1
