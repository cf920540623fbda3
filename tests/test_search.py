"""Search over a whole record: keys and values, case-insensitive substrings."""

from __future__ import annotations

from runs.search import SearchIndex

RECORD = {
    "Status": "PASSED",
    "trace": [
        {"tool": "slack.post", "args": {"text": "Hello Zoë"}},
        {"tool": "github.create_issue", "args": {"title": "Slack outage"}},
    ],
    "a/b": {"m~n": 505874924095815681},
    "flags": [True, None],
}


def test_matches_keys_and_values_case_insensitively():
    result = SearchIndex(RECORD).search("SLACK")
    assert result.count == 2
    assert result.pointers == ["/trace/0/tool", "/trace/1/args/title"]


def test_key_matches_point_at_the_keyed_node():
    assert SearchIndex(RECORD).search("status").pointers == ["/Status"]


def test_numbers_booleans_and_null_match_as_written():
    index = SearchIndex(RECORD)
    assert index.search("4095815681").pointers == ["/a~1b/m~0n"]
    assert index.search("true").pointers == ["/flags/0"]
    assert index.search("null").pointers == ["/flags/1"]


def test_non_ascii_text_matches():
    assert SearchIndex(RECORD).search("zoë").pointers == ["/trace/0/args/text"]


def test_a_node_matching_in_key_and_value_counts_once():
    assert SearchIndex({"slack": "slack slack"}).search("slack").count == 1


def test_count_covers_all_matches_while_pointers_stop_at_the_limit():
    record = {"list": [f"item {i}" for i in range(50)]}
    result = SearchIndex(record).search("item", limit=10)
    assert result.count == 50
    assert result.pointers == [f"/list/{i}" for i in range(10)]
    assert SearchIndex(record).search("item", limit=10, offset=45).pointers == [f"/list/{i}" for i in range(45, 50)]


def test_empty_query_and_separator_characters_match_nothing():
    index = SearchIndex(RECORD)
    assert index.search("").count == 0
    assert index.search("\x1e").count == 0
    assert index.search("s\x1fP").count == 0


def test_no_match_crosses_from_one_node_into_the_next():
    assert SearchIndex({"a": "xy", "b": "z"}).search("yb").count == 0
