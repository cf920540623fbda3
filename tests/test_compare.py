"""Comparing two records, the pure part: alignment, changes, steps, the ignore list, the patch."""

from __future__ import annotations

import copy
import json
import random

import jsonpatch
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runs import lcs
from runs.alignment import align
from runs.compare import ADDED, CHANGED, MOVED, REMOVED, compare
from runs.lcs import common_subsequence
from runs.patch import make_patch
from runs.sameness import same
from runs.volatile import DEFAULT, NOTHING, Ignore, parse_ignore
from tests import strategies


def exact(value: object) -> str:
    """JSON text that tells 1 from 1.0 and true, and ignores key order."""
    return json.dumps(value, sort_keys=True)


def applied(a: object, b: object) -> object:
    patch = make_patch(a, b)
    return jsonpatch.apply_patch(copy.deepcopy(a), patch)


def step(kind: str, tool: str | None = None, at: int = 0, **fields: object) -> dict:
    """A step as Archal records one: different times and IDs in every run."""
    made: dict = {"index": at, "timestamp": f"2025-11-05T16:45:{at % 60:02d}.000Z", "kind": kind,
                  "call_id": f"call_{at}_{random.random()}", "duration_ms": 100 + at}
    if tool is not None:
        made["tool"] = tool
    made.update(fields)
    return made


def run(steps: list[dict], **fields: object) -> dict:
    return {"id": "run_x", "status": "passed", "score": 1.0, "trace": steps, **fields}


def trace(count: int, shift: int = 0) -> list[dict]:
    """`count` distinct tool calls; `shift` moves every time and duration, as a rerun does."""
    return [step("tool_call", "github.get_issue", at=i + shift, arguments={"number": i}) for i in range(count)]


def rows(comparison) -> list[tuple]:
    return [(row.state, row.a_index, row.b_index, row.count) for row in comparison.steps.rows]


# --- Steps aligned ------------------------------------------------------------------------


def test_an_inserted_step_is_one_difference_not_a_shift_of_every_later_step():
    a_steps, b_steps = trace(30), trace(30, shift=1000)
    b_steps.insert(10, step("agent_message", at=5, content="Checking the rate limit first."))
    comparison = compare(run(a_steps), run(b_steps))
    assert rows(comparison) == [("same", 0, 0, 10), ("only_b", None, 10, 1), ("same", 10, 11, 20)]
    assert comparison.counts == {CHANGED: 0, ADDED: 1, REMOVED: 0, MOVED: 0}
    assert [change.b_pointer for change in comparison.changes] == ["/trace/10"]


def test_a_deleted_step_is_one_difference():
    a_steps, b_steps = trace(30), trace(30, shift=7)
    del b_steps[4]
    comparison = compare(run(a_steps), run(b_steps))
    assert rows(comparison) == [("same", 0, 0, 4), ("only_a", 4, None, 1), ("same", 5, 4, 25)]
    assert [(c.kind, c.a_pointer, c.b_pointer) for c in comparison.changes] == [(REMOVED, "/trace/4", None)]


def test_a_moved_step_is_one_move():
    a_steps, b_steps = trace(30), trace(30, shift=3)
    b_steps.insert(20, b_steps.pop(5))
    comparison = compare(run(a_steps), run(b_steps))
    assert comparison.steps.differences == 1
    assert [(c.kind, c.a_pointer, c.b_pointer) for c in comparison.changes] == [(MOVED, "/trace/5", "/trace/20")]
    assert ("moved", 5, 20, 1) in rows(comparison)


def test_a_changed_step_is_matched_and_only_its_changed_values_listed():
    a_steps, b_steps = trace(12), trace(12, shift=60)
    b_steps[6]["arguments"] = {"number": 6, "state": "closed"}
    b_steps[8]["result"] = "a result only B has"
    comparison = compare(run(a_steps), run(b_steps))
    assert [(row.state, row.a_index, row.changes) for row in comparison.steps.rows if row.state != "same"] == [
        ("changed", 6, 1), ("changed", 8, 1)
    ]
    assert [(c.kind, c.a_pointer, c.b_pointer, c.after) for c in comparison.changes] == [
        (ADDED, None, "/trace/6/arguments/state", "closed"),
        (ADDED, None, "/trace/8/result", "a result only B has"),
    ]


def test_a_step_whose_arguments_changed_pairs_with_its_counterpart():
    a_steps = [step("tool_call", "stripe.create_refund", at=i, arguments={"charge": f"ch_{i}"}) for i in range(5)]
    b_steps = copy.deepcopy(a_steps)
    b_steps[2]["arguments"]["charge"] = "ch_other"
    comparison = compare(run(a_steps), run(b_steps))
    assert [row.state for row in comparison.steps.rows] == ["same", "changed", "same"]
    assert [(c.kind, c.a_pointer, c.before, c.after) for c in comparison.changes] == [
        (CHANGED, "/trace/2/arguments/charge", "ch_2", "ch_other")
    ]


def test_first_difference_is_the_index_in_a_of_the_first_step_without_an_identical_counterpart():
    a_steps, b_steps = trace(20), trace(20, shift=2)
    b_steps[13]["arguments"] = {"number": 99}
    del b_steps[3]
    first = compare(run(a_steps), run(b_steps)).steps.first_difference
    assert (first.state, first.a_index) == ("only_a", 3)


def test_first_difference_is_in_b_when_a_ran_out():
    a_steps = trace(5)
    b_steps = trace(5, shift=9) + [step("agent_message", at=50, content="One more thing.")]
    first = compare(run(a_steps), run(b_steps)).steps.first_difference
    assert (first.state, first.a_index, first.b_index) == ("only_b", None, 5)


def test_identical_traces_are_one_row_and_no_first_difference():
    comparison = compare(run(trace(8)), run(trace(8, shift=100)))
    assert rows(comparison) == [("same", 0, 0, 8)]
    assert comparison.steps.first_difference is None
    assert comparison.changes == ()


def test_steps_name_their_kind_and_tool():
    a_steps = trace(3)
    b_steps = trace(3) + [step("tool_call", "slack.chat_postMessage", at=9, arguments={"text": "hi"})]
    last = compare(run(a_steps), run(b_steps)).steps.rows[-1]
    assert (last.state, last.kind, last.name) == ("only_b", "tool_call", "slack.chat_postMessage")


# --- Arrays in general ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (["x", "y", "z"], ["x", "z"], [(REMOVED, "/tags/1", None, "y", None)]),
        (["x", "z"], ["x", "y", "z"], [(ADDED, None, "/tags/1", None, "y")]),
        (["x", "y", "z"], ["x", "w", "z"], [(CHANGED, "/tags/1", "/tags/1", "y", "w")]),
        ([1, 2, 3, 4], [2, 3, 4, 1], [(MOVED, "/tags/0", "/tags/3", None, None)]),
        ([1, 2, 3], [1, 2.0, 3], [(CHANGED, "/tags/1", "/tags/1", 2, 2.0)]),
        ([True], [1], [(CHANGED, "/tags/0", "/tags/0", True, 1)]),
    ],
)
def test_arrays_of_scalars_align_by_value(a, b, expected):
    changes = compare({"tags": a}, {"tags": b}).changes
    assert [(c.kind, c.a_pointer, c.b_pointer, c.before, c.after) for c in changes] == expected


def test_objects_with_an_id_are_matched_by_it_wherever_they_are():
    a = {"criteria": [{"id": "refunded", "passed": True}, {"id": "noted", "passed": True},
                      {"id": "told", "passed": False}]}
    b = {"criteria": [{"id": "told", "passed": True}, {"id": "refunded", "passed": True},
                      {"id": "noted", "passed": True}]}
    changes = compare(a, b).changes
    assert [(c.kind, c.a_pointer, c.b_pointer) for c in changes] == [
        (MOVED, "/criteria/2", "/criteria/0"), (CHANGED, "/criteria/2/passed", "/criteria/0/passed")
    ]


def test_ids_the_two_runs_do_not_share_are_not_used_to_match():
    a = {"items": [{"id": f"a{i}", "text": f"line {i}"} for i in range(6)]}
    b = {"items": [{"id": f"b{i}", "text": f"line {i}"} for i in range(6)]}
    b["items"].insert(2, {"id": "b99", "text": "new line"})
    changes = compare(a, b).changes
    assert [(c.kind, c.b_pointer) for c in changes] == [(ADDED, "/items/2")]


def test_object_key_order_is_ignored():
    assert compare({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"d": 3, "c": 2}, "a": 1}).changes == ()


def test_values_of_another_type_are_changed_values():
    changes = compare({"v": {"x": 1}}, {"v": [1]}).changes
    assert [(c.kind, c.a_pointer, c.before, c.after) for c in changes] == [(CHANGED, "/v", {"x": 1}, [1])]


def test_pointers_escape_keys_as_rfc_6901_says():
    changes = compare({"a/b": {"~": 1}}, {"a/b": {"~": 2}}).changes
    assert changes[0].a_pointer == "/a~1b/~0"


def test_deeply_nested_records_compare_without_recursion():
    a: dict = {"leaf": 1}
    b: dict = {"leaf": 2}
    for _ in range(5000):
        a, b = {"next": a}, {"next": b}
    (change,) = compare(a, b).changes
    assert change.a_pointer == "/next" * 5000 + "/leaf"
    assert make_patch(a, b) == [{"op": "replace", "path": "/next" * 5000 + "/leaf", "value": 2}]


def test_lists_of_changes_stop_at_the_bound_and_say_so(monkeypatch):
    monkeypatch.setattr("runs.compare.MAX_CHANGES", 10)
    comparison = compare({"k": list(range(0, 100, 2))}, {"k": list(range(1, 100, 2))}, NOTHING)
    assert len(comparison.changes) == 10
    assert not comparison.complete


def test_same_tells_json_types_apart():
    assert same({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]})
    assert not same([1], [1.0])
    assert not same([1], [True])
    assert not same(0.0, -0.0)
    assert same({"a": 1, "b": 2}, {"b": 2, "a": 1})
    deep_a: list = [2**70]
    deep_b: list = [2**70]
    for _ in range(300):  # past orjson's depth and integer limits: compared in Python
        deep_a, deep_b = [deep_a], [deep_b]
    assert same(deep_a, deep_b)
    deep_b[0][0][0] = [2**70 + 1]
    assert not same(deep_a, deep_b)


# --- The ignore list -------------------------------------------------------------------------


def test_volatile_fields_are_ignored_by_default_and_counted():
    a = {"id": "run_1", "started_at": "2025-11-05T16:45:12Z", "trace": [step("tool_call", "t", at=1)], "x": 1}
    b = {"id": "run_2", "started_at": "2025-11-06T09:00:00Z", "trace": [step("tool_call", "t", at=2)], "x": 1}
    comparison = compare(a, b)
    assert comparison.changes == ()
    # id, started_at, and the step's index, timestamp, call_id and duration_ms
    assert comparison.hidden == 6


def test_an_empty_ignore_list_compares_everything():
    a = {"id": "run_1", "startedAt": "2025-11-05T16:45:12Z", "durationMs": 5}
    b = {"id": "run_2", "startedAt": "2025-11-06T09:00:00Z", "durationMs": 6}
    comparison = compare(a, b, parse_ignore(""))
    assert [c.a_pointer for c in comparison.changes] == ["/id", "/startedAt", "/durationMs"]
    assert comparison.hidden == 0


def test_the_ignore_list_can_be_set():
    a = {"model": "gpt-5", "request_id": "r1", "cost": 0.1}
    b = {"model": "gpt-6", "request_id": "r2", "cost": 0.2}
    comparison = compare(a, b, parse_ignore("model, cost"))
    assert [c.a_pointer for c in comparison.changes] == ["/request_id"]
    assert comparison.hidden == 2


@pytest.mark.parametrize(
    ("key", "hidden"),
    [
        ("started_at", True), ("startedAt", True), ("started-at", True), ("STARTED_AT", True),
        ("format", False), ("at", False), ("timestamp", True), ("Timestamp", True), ("ts", True),
        ("start_time", True), ("startTime", True), ("duration_ms", True), ("durationMs", True),
        ("elapsed_ms", True), ("tool_timeout_ms", False), ("id", True), ("ID", True), ("call_id", True),
        ("callId", True), ("x-request-id", True), ("paid", False), ("valid", False), ("index", True),
        ("status", False), ("score", False),
    ],
)
def test_default_ignore_list_matches_volatile_key_spellings(key, hidden):
    assert DEFAULT.hides(key) is hidden


@given(st.text(max_size=30))
def test_hidden_keys_are_found_in_json_text_as_by_name(key):
    text = orjson.dumps({"step": [{key: 1}]})
    if '"' not in key and "\\" not in key and not any(ord(char) < 32 for char in key) and 0 < len(key) <= 200:
        assert DEFAULT.hides_in(text) == DEFAULT.hides(key)


def test_hidden_keys_are_found_in_json_text():
    assert DEFAULT.hides_in(b'{"a":{"b":[{"updatedAt":"x"}]}}')
    assert not DEFAULT.hides_in(b'{"a":"\\"started_at\\":1","tool_timeout_ms":5}')
    assert not NOTHING.hides_in(b'{"id":1}')


def test_ignore_lists_from_the_query_are_bounded():
    assert parse_ignore(None) == DEFAULT
    assert parse_ignore("") == NOTHING
    assert parse_ignore(" a ,,b,a,*").patterns == ("a", "b")
    assert len(parse_ignore(",".join(f"k{i}" for i in range(500))).patterns) == 50
    assert Ignore(("*_at",)).hides("x" * 300) is False


# --- At a glance -----------------------------------------------------------------------------


def test_glance_shows_status_score_duration_steps_and_flipped_criteria():
    a = {"status": "failed", "score": 0.4, "duration_ms": 58337, "trace": trace(3),
         "criteria": [{"description": "Refund once", "passed": False}, {"description": "Note", "passed": True},
                      {"description": "Tell", "passed": True}]}
    b = {"status": "passed", "score": 0.9, "duration_ms": 41000, "trace": trace(4),
         "criteria": [{"description": "Note", "passed": True}, {"description": "Refund once", "passed": True},
                      {"description": "Tell", "passed": False}]}
    comparison = compare(a, b)
    assert [(g.label, g.before, g.after, g.changed) for g in comparison.glance] == [
        ("status", "failed", "passed", True), ("score", 0.4, 0.9, True), ("duration", 58337.0, 41000.0, True),
        ("steps", 3, 4, True),
    ]
    assert [(g.label, g.before, g.after, g.a_pointer, g.b_pointer) for g in comparison.flipped] == [
        ("Refund once", "failed", "passed", "/criteria/0", "/criteria/1"),
        ("Tell", "passed", "failed", "/criteria/2", "/criteria/2"),
    ]


# --- Alignment itself ------------------------------------------------------------------------


def lcs_length(a: list, b: list) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
    return table[0][0]


def is_common_subsequence(pairs: list[tuple[int, int]], a: list, b: list) -> bool:
    return all(a[i] == b[j] for i, j in pairs) and all(
        p[0] < q[0] and p[1] < q[1] for p, q in zip(pairs, pairs[1:], strict=False)
    )


@given(st.lists(st.integers(0, 5), max_size=25), st.lists(st.integers(0, 5), max_size=25))
def test_myers_finds_a_longest_common_subsequence(a, b):
    pairs = common_subsequence(a, b)
    assert is_common_subsequence(pairs, a, b)
    assert len(pairs) == lcs_length(a, b)


def test_arrays_that_differ_nearly_everywhere_fall_back_to_a_patience_diff(monkeypatch):
    monkeypatch.setattr(lcs, "MYERS_MAX_WORK", 1000)
    rng = random.Random(7)
    a = list(range(3000))
    b = a[:]
    rng.shuffle(b)
    pairs = common_subsequence(a, b)
    assert is_common_subsequence(pairs, a, b)
    assert len(pairs) > 50  # the longest increasing run of a random permutation of 3,000 is ~100


def test_alignment_rows_list_each_item_once_in_reading_order():
    result = align(["a", "b", "c", "d"], ["b", "x", "c", "a"], DEFAULT)
    listed = list(result.rows())
    assert sorted(i for _, i, _ in listed if i is not None) == [0, 1, 2, 3]
    assert sorted(j for _, _, j in listed if j is not None) == [0, 1, 2, 3]
    assert ("moved", 0, 3) in listed


# --- The patch -------------------------------------------------------------------------------

text = st.text(st.sampled_from(list("ab~/0_ <\"")), max_size=4)
json_values = strategies.json_values(text, max_items=6, max_keys=4, max_leaves=30)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(json_values, json_values)
def test_the_patch_turns_any_a_into_b_exactly(a, b):
    assert exact(applied(a, b)) == exact(b)


@settings(max_examples=300)
@given(st.lists(st.one_of(st.integers(0, 9), st.dictionaries(st.sampled_from(["id", "kind", "v"]), st.integers(0, 3))),
                max_size=15), st.randoms(use_true_random=False))
def test_the_patch_reorders_arrays_exactly(items, rng):
    shuffled = copy.deepcopy(items)
    rng.shuffle(shuffled)
    for _ in range(rng.randint(0, 3)):
        if shuffled:
            shuffled.pop(rng.randrange(len(shuffled)))
        shuffled.insert(rng.randint(0, len(shuffled)), rng.randint(0, 9))
    assert exact(applied({"a": items}, {"a": shuffled})) == exact({"a": shuffled})


@given(json_values)
def test_a_record_compared_with_itself_has_no_changes_and_an_empty_patch(value):
    assert make_patch(value, copy.deepcopy(value)) == []
    assert compare(value, copy.deepcopy(value), NOTHING).changes == ()


@given(json_values, json_values)
def test_with_nothing_ignored_there_are_changes_exactly_when_the_values_differ(a, b):
    assert (compare(a, b, NOTHING).changes == ()) == same(a, b)


def test_the_patch_moves_a_moved_item_with_one_move_and_ignores_nothing():
    a_steps = trace(10)
    b_steps = copy.deepcopy(a_steps)
    b_steps.insert(7, b_steps.pop(2))
    b_steps[0]["timestamp"] = "2030-01-01T00:00:00Z"
    a, b = run(a_steps), run(b_steps, id="run_y")
    patch = make_patch(a, b)
    assert [op for op in patch if op["op"] == "move"] == [{"op": "move", "from": "/trace/2", "path": "/trace/7"}]
    assert {"op": "replace", "path": "/id", "value": "run_y"} in patch
    assert {"op": "replace", "path": "/trace/0/timestamp", "value": "2030-01-01T00:00:00Z"} in patch
    assert exact(applied(a, b)) == exact(b)


def test_an_inserted_step_is_one_add_in_the_patch():
    a_steps = trace(40)
    b_steps = copy.deepcopy(a_steps)
    b_steps.insert(3, step("agent_message", at=3, content="new"))
    patch = make_patch(run(a_steps), run(b_steps))
    assert patch == [{"op": "add", "path": "/trace/3", "value": b_steps[3]}]


def test_a_replaced_root_is_one_replace():
    assert make_patch({"a": 1}, [1]) == [{"op": "replace", "path": "", "value": [1]}]
