"""Search over a whole record: keys and values, case-insensitive substrings; its index, built in the background."""

from __future__ import annotations

import gc
import json
import logging
import threading
import weakref
from collections.abc import Iterator

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dyno import wait_until
from runs import records
from runs.paths import json_pointer
from runs.search import SearchIndex
from tests import strategies
from tests.conftest import detail_url

RECORD = {
    "Status": "PASSED",
    "trace": [
        {"tool": "slack.post", "args": {"text": "Hello Zoë"}},
        {"tool": "github.create_issue", "args": {"title": "Slack outage"}},
    ],
    "a/b": {"m~n": 505874924095815681},
    "flags": [True, None],
}


def found(index: SearchIndex, query: str, **options) -> list[str]:
    """The JSON Pointers of what `query` finds."""
    return index.pointers(index.search(query, **options).nodes)


def test_matches_keys_and_values_case_insensitively():
    index = SearchIndex(RECORD)
    result = index.search("SLACK")
    assert result.count == 2
    assert index.pointers(result.nodes) == ["/trace/0/tool", "/trace/1/args/title"]


def test_key_matches_point_at_the_keyed_node():
    assert found(SearchIndex(RECORD), "status") == ["/Status"]


def test_numbers_booleans_and_null_match_as_written():
    index = SearchIndex(RECORD)
    assert found(index, "4095815681") == ["/a~1b/m~0n"]
    assert found(index, "true") == ["/flags/0"]
    assert found(index, "null") == ["/flags/1"]


def test_non_ascii_text_matches():
    assert found(SearchIndex(RECORD), "zoë") == ["/trace/0/args/text"]


def test_a_node_matching_in_key_and_value_counts_once():
    assert SearchIndex({"slack": "slack slack"}).search("slack").count == 1


def test_count_covers_all_matches_while_pointers_stop_at_the_limit():
    record = {"list": [f"item {i}" for i in range(50)]}
    result = SearchIndex(record).search("item", limit=10)
    assert result.count == 50
    assert found(SearchIndex(record), "item", limit=10) == [f"/list/{i}" for i in range(10)]
    assert found(SearchIndex(record), "item", limit=10, offset=45) == [f"/list/{i}" for i in range(45, 50)]


def test_empty_query_and_separator_characters_match_nothing():
    index = SearchIndex(RECORD)
    assert index.search("").count == 0
    assert index.search("\x1e").count == 0
    assert index.search("s\x1fP").count == 0


def test_no_match_crosses_from_one_node_into_the_next():
    assert SearchIndex({"a": "xy", "b": "z"}).search("yb").count == 0


def test_a_mark_character_inside_a_string_neither_matches_nor_shifts_later_nodes():
    index = SearchIndex({"a": "x\x1ey", "b\x1ec": "y", "d": ["x\x1fy", "y"]})
    assert found(index, "y") == ["/a", "/b\x1ec", "/d/0", "/d/1"]
    assert index.search("xy").count == 0
    assert found(index, "c") == ["/b\x1ec"]


def test_text_that_lengthens_when_lower_cased_keeps_later_pointers_right():
    # "İ".lower() is two characters; hits past it must still find their nodes.
    record = {"list": ["İ" * 50] * 200 + ["needle"], "after": {"key": "needle"}}
    assert found(SearchIndex(record), "needle") == ["/list/200", "/after/key"]
    assert SearchIndex(record).search("i̇").count == 200


def test_a_record_that_is_an_array_or_a_scalar_is_searched_too():
    assert found(SearchIndex(["a", {"b": "a"}, [["a"]]]), "a") == ["/0", "/1/b", "/2/0/0"]
    assert found(SearchIndex("Hello"), "hell") == [""]
    assert found(SearchIndex(None), "null") == [""]


def test_deeply_nested_records_are_indexed_and_pointed_into():
    record: object = "bottom"
    for depth in range(5000):
        record = {"k": [record]} if depth % 2 else [record]
    pointer = found(SearchIndex(record), "bottom")[0]
    assert pointer.count("/") == 5000 + 2500


def test_pointers_stay_right_across_many_nodes_and_containers():
    rows = [{"id": i, "tags": ["x", f"t{i}"], "note": None if i % 3 else "hit"} for i in range(2000)]
    record = {"rows": ["first", *rows[:1000], "middle", *rows[1000:], "last"]}
    index = SearchIndex(record)
    result = index.search("hit", limit=5, offset=600)
    assert result.count == 667
    assert index.pointers(result.nodes) == [f"/rows/{i + 2}/note" for i in range(1800, 1815, 3)]
    assert index.positions(result.nodes)[0] == (0, 1802, 2)
    assert found(index, "t1999") == ["/rows/2001/tags/1"]
    assert found(index, "first") == ["/rows/0"]
    assert found(index, "middle") == ["/rows/1001"]
    assert found(index, "last") == ["/rows/2002"]
    keyed = SearchIndex({"ids": {f"id{i}": [i] if i % 2 else i for i in range(3000)}, "after": "id"})
    assert found(keyed, "id29")[-3:] == ["/ids/id2997", "/ids/id2998", "/ids/id2999"]
    assert found(keyed, "id", limit=5000)[-1] == "/after"


# --- Property: the index finds what looking at every node finds -----------------

# Characters that test case folding (İ lengthens, Σ depends on its neighbours,
# U+0345 is case-ignorable), the index's own marks, lone surrogates and astral ones.
TRICKY = "aAbZ İıIΣσςΑ\u0345'.:\x1e\x1f\ud800é東😀"
tricky_text = st.text(alphabet=st.sampled_from(TRICKY), max_size=8)
json_values = strategies.json_values(tricky_text, max_items=70, max_keys=5, max_leaves=200)


def node_texts(record: object) -> list[tuple[str, str, str]]:
    """(pointer, key, value text) of every node in document order: what a search looks at."""
    nodes, stack = [], [("", "", record)]
    while stack:
        pointer, key, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((json_pointer(pointer, k), k, v) for k, v in reversed(value.items()))
            value = ""
        elif isinstance(value, list):
            stack.extend((json_pointer(pointer, i), "", v) for i, v in reversed(list(enumerate(value))))
            value = ""
        elif isinstance(value, bool) or value is None:
            value = json.dumps(value)
        nodes.append((pointer, key, str(value)))
    return nodes


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values, st.data())
def test_search_finds_exactly_the_nodes_whose_key_or_value_holds_the_query(record, data):
    nodes = node_texts(record)
    some_text = [text for _, key, value in nodes for text in (key, value) if text]
    query = data.draw(
        st.one_of(
            tricky_text,
            st.sampled_from(some_text or ["a"]).flatmap(
                lambda text: st.tuples(st.integers(0, len(text)), st.integers(0, len(text))).map(
                    lambda span: text[min(span) : max(span)]
                )
            ),
        )
    )
    needle = query.lower()
    expected = [
        pointer
        for pointer, key, value in nodes
        if needle and "\x1e" not in needle and "\x1f" not in needle and (needle in key.lower() or needle in value.lower())
    ]
    limit, offset = data.draw(st.integers(1, 80)), data.draw(st.integers(0, 80))
    index = SearchIndex(record)
    result = index.search(query, limit=limit, offset=offset)
    assert result.count == len(expected)
    assert index.pointers(result.nodes) == expected[offset : offset + limit]


# --- Building the index in the background ---------------------------------------


@pytest.fixture
def empty_cache() -> Iterator[None]:
    records.forget_all()
    yield
    records.forget_all()


def kept_record(run_id: str, record: dict, size_bytes: int = 1000) -> records.ParsedRecord:
    return records.ParsedRecord(
        run_id=run_id, sha256="0" * 64, size_bytes=size_bytes, fetched_at=timezone.now(), record=record
    )


def long_record(steps: int = 60_000) -> dict:
    """A record of some 400,000 nodes (at 60,000 steps): its index takes a fifth of a second or more."""
    return {"trace": [{"tool": "slack.post", "args": {"text": f"Hello {i}", "n": i, "ok": True}} for i in range(steps)]}


def builds_logged(caplog: pytest.LogCaptureFixture, run_id: str) -> list[str]:
    """How the index of `run_id` was built, each time: "built in …" or "built in the background in …"."""
    messages = [record.getMessage() for record in caplog.records]
    return [message.split(" built")[1] for message in messages if f"run {run_id} built" in message]


def test_a_remembered_record_gets_its_index_without_a_search(empty_cache):
    kept = kept_record("run_bg", {"trace": [{"tool": "slack.post"}] * 1000})
    records.remember(kept)
    wait_until(lambda: kept.index_ready)
    assert kept.search_index().search("SLACK").count == 1000


@pytest.mark.django_db
def test_viewing_a_run_builds_its_index_before_any_search(empty_cache, client):
    assert client.get(detail_url("run_wide")).status_code == 200
    kept = records.load("run_wide")
    wait_until(lambda: kept.index_ready)


def test_searches_during_the_background_build_wait_for_it_and_it_runs_once(empty_cache, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG, logger="runs.records")
    monkeypatch.setattr(records, "BACKGROUND_BUILD_DELAY", 0)
    kept = kept_record("run_busy", long_record())
    records.remember(kept)
    wait_until(kept._index_lock.locked, what="the background build to start")
    # These come well within the build; had they not waited for it, each would build its own.
    indexes: list[SearchIndex] = []
    searches = [threading.Thread(target=lambda: indexes.append(kept.search_index())) for _ in range(4)]
    for search in searches:
        search.start()
    for search in searches:
        search.join()
    assert len(indexes) == 4 and all(index is indexes[0] for index in indexes)
    assert found(indexes[0], "hello 59999") == ["/trace/59999/args/text"]
    assert [how.startswith(" in the background") for how in builds_logged(caplog, "run_busy")] == [True]


def test_a_record_evicted_during_its_build_stops_it_and_is_let_go(empty_cache, settings, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG, logger="runs.records")
    monkeypatch.setattr(records, "BACKGROUND_BUILD_DELAY", 0)
    settings.RECORD_CACHE_BYTES = 1500
    evicted = kept_record("run_evicted", long_record(120_000))
    records.remember(evicted)
    wait_until(evicted._index_lock.locked, what="the background build to start")  # the build is under way
    records.remember(kept_record("run_next", {"small": True}))  # over the bound: the first goes
    build = next((t for t in threading.enumerate() if t.name == "search index run_evicted"), None)
    if build is not None:
        build.join(60)
    assert not evicted.index_ready
    assert builds_logged(caplog, "run_evicted") == []
    assert evicted.search_index().search("hello 7").count > 0  # whoever still holds it can search
    gone = weakref.ref(evicted)
    del evicted
    gc.collect()
    assert gone() is None


def test_with_background_builds_off_the_first_search_builds_the_index(empty_cache, settings):
    settings.SEARCH_INDEX_IN_BACKGROUND = False
    kept = kept_record("run_lazy", {"a": "slack"})
    records.remember(kept)
    assert "search index run_lazy" not in [thread.name for thread in threading.enumerate()]
    assert not kept.index_ready
    assert found(kept.search_index(), "slack") == ["/a"]
    assert kept.index_ready


@pytest.mark.parametrize("query", ["item", "i", "é", "item 4"])
def test_any_offset_gives_the_same_matches_as_paging_from_the_start(query):
    record = {"list": [f"item {i} é" if i % 3 else f"other {i}" for i in range(300)], "item": "last i"}
    index = SearchIndex(record)
    everything = index.search(query, limit=10_000)
    for offset in (1, 7, 150, everything.count - 1):
        page = index.search(query, limit=20, offset=offset)
        assert (page.count, page.nodes) == (everything.count, everything.nodes[offset : offset + 20])


@pytest.mark.parametrize("query", ["item", "i"])
def test_an_offset_past_the_last_match_answers_with_the_count_and_no_nodes(query):
    index = SearchIndex({"list": [f"item {i}" for i in range(1000)]})
    result = index.search(query, limit=1000, offset=999_999_999_999)
    assert (result.count, result.nodes) == ({"item": 1000, "i": 1001}[query], [])  # "list" holds an i
