"""Reading a record as a run: roles by spelling, summary, criteria and steps; pure functions."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from runs import verdicts
from runs.paths import node_at, positions_of
from runs.roles import SPELLINGS, field, normal
from runs.steps import failed_indices, find_trace, read_steps, step_failed, timestamp_seconds
from runs.summary import Summary, summarise
from tests import strategies

SNAKE = {
    "status": "failed",
    "score": 0.4375,
    "scenario": {"name": "stripe-refund", "pass_threshold": 0.85},
    "agent": {"name": "support-copilot", "model": "gemini-2.5-pro"},
    "started_at": "2025-11-05T16:45:12.904Z",
    "finished_at": "2025-11-05T16:46:11.241Z",
    "criteria": [
        {"id": "refunded", "description": "[D] The duplicate charge is refunded", "passed": True,
         "explanation": "Refunded.", "evidence": [{"step": 1}]},
        {"id": "untouched", "description": "[P] The original charge is untouched", "passed": False,
         "explanation": "Both were refunded.", "evidence": {"pointer": "/trace/2/response/status"}},
    ],
    "trace": [
        {"timestamp": "2025-11-05T16:45:13.000Z", "kind": "agent_message", "content": "Reading"},
        {"timestamp": "2025-11-05T16:45:13.500Z", "kind": "tool_call", "tool": "stripe.create_refund",
         "duration_ms": 200},
        {"timestamp": "2025-11-05T16:45:14.000Z", "kind": "api_request", "duration_ms": 50,
         "request": {"method": "POST", "url": "https://api.stripe.clone/v1/refunds"}, "response": {"status": 402}},
    ],
    "error": None,
}

CAMEL = {
    "runState": "passed",
    "satisfactionScore": 0.9,
    "passThreshold": 0.8,
    "scenario": {"title": "github-triage"},
    "agent": {"name": "triage-bot", "model": "claude"},
    "startedAt": "2025-11-05T10:00:00Z",
    "endedAt": "2025-11-05T10:00:30Z",
    "details": {
        "state": "passed",
        "evaluations": [{"name": "labels", "ok": True, "type": "deterministic", "rationale": "All labelled."}],
        "steps": [{"startTime": "2025-11-05T10:00:01Z", "type": "tool_call", "toolName": "github.add_labels",
                   "elapsedMs": 120}],
    },
}

RESULT_CHECKS_EVENTS = {
    "result": "errored",
    "checks": [
        {"title": "Summary posted", "result": "fail", "kind": "P", "reason": "No message was posted."},
        {"title": "Issues migrated", "result": "pass", "kind": "D"},
    ],
    "events": [
        {"time": 1762337112.0, "event": "tool_call", "name": "linear.create_issue", "exception": "RateLimited"},
        {"time": 1762337113.5, "event": "tool_call", "name": "linear.create_issue", "status": "ok", "duration": 0.25},
    ],
    "errors": [{"message": "agent process exited"}],
}


def test_snake_case_record_reads_as_a_run():
    summary = summarise(SNAKE)
    assert (summary.status.value, summary.status.pointer, summary.verdict) == ("failed", "/status", verdicts.FAILED)
    assert (summary.score.value, summary.threshold.pointer) == (0.4375, "/scenario/pass_threshold")
    assert (summary.scenario.value, summary.agent.value, summary.model.pointer) == (
        "stripe-refund", "support-copilot", "/agent/model")
    assert summary.duration_ms == 58337.0
    assert summary.errors is None
    assert [c.pointer for c in summary.criteria] == ["/criteria/1", "/criteria/0"]  # failed first
    failed = summary.criteria[0]
    assert (failed.verdict, failed.kind, failed.explanation.value) == (verdicts.FAILED, "P", "Both were refunded.")
    assert failed.evidence == ("/trace/2/response/status",)
    assert summary.criteria[1].evidence == ("/trace/1",)  # a step named by its index
    assert summary.trace.pointer == "/trace"
    assert (summary.step_count, summary.failed_step_count, summary.first_failure.index) == (3, 1, 2)
    assert [(s.kind, s.name, s.failed, s.start_ms, s.duration_ms) for s in summary.first_steps] == [
        ("agent_message", None, False, 0.0, None),
        ("tool_call", "stripe.create_refund", False, 500.0, 200.0),
        ("api_request", "POST https://api.stripe.clone/v1/refunds", True, 1000.0, 50.0),
    ]


def test_camel_case_record_one_level_down_reads_the_same():
    summary = summarise(CAMEL)
    assert summary.status.pointer == "/details/state"
    assert summary.verdict == verdicts.PASSED
    assert summary.score.pointer == "/satisfactionScore"
    assert summary.threshold.pointer == "/passThreshold"
    assert summary.scenario.value == "github-triage"
    assert summary.duration_ms == 30_000
    assert summary.criteria[0].kind == "D" and summary.criteria[0].verdict == verdicts.PASSED
    assert summary.trace.pointer == "/details/steps"
    assert (summary.first_steps[0].name, summary.first_steps[0].duration_ms) == ("github.add_labels", 120.0)


def test_result_checks_events_record():
    summary = summarise(RESULT_CHECKS_EVENTS)
    assert (summary.status.value, summary.verdict) == ("errored", verdicts.FAILED)
    assert [c.description.value for c in summary.failed_criteria] == ["Summary posted"]
    assert summary.failed_criteria[0].kind == "P"
    assert summary.errors == 1
    steps = summary.first_steps
    assert [(s.failed, s.start_ms, s.duration_ms) for s in steps] == [(True, 0.0, None), (False, 1500.0, 250.0)]
    assert summary.first_failure == steps[0]


@pytest.mark.parametrize("record", [{}, {"a": 1}, {"trace": "x"}, {"criteria": "x"}, {"items": [{"a": 1}]}])
def test_a_record_with_none_of_the_fields_has_no_summary(record):
    assert summarise(record).is_empty


@pytest.mark.parametrize(
    "record",
    [
        {"status": 42, "score": "high", "criteria": "x", "trace": 7, "started_at": "soon", "duration_ms": -1},
        {"passed": "yes", "scenario": 3, "agent": [], "model": {"a": 1}, "threshold": None},
        {"criteria": [1, "a", None, {"passed": "maybe", "description": {"x": 1}, "score": "high"}]},
        {"trace": [None, 1, {"error": None, "status": 500, "response": "nope", "timestamp": 10**400}]},
        {"status": "", "score": float("inf"), "finished_at": "2025-13-45T99:99:99Z"},
    ],
)
def test_wrong_types_are_skipped_not_trusted(record):
    summary = summarise(record)
    assert summary.status is None or isinstance(summary.status.value, (str, bool))
    assert summary.score is None or isinstance(summary.score.value, (int, float))
    assert summary.started is None and summary.finished is None


def test_spellings_match_whatever_their_case_and_separators():
    for spelling in SPELLINGS["started"]:
        camel = spelling.split("_")[0] + "".join(part.title() for part in spelling.split("_")[1:])
        for key in (spelling, camel, spelling.replace("_", "-"), spelling.upper()):
            assert normal(key) == normal(spelling)
            assert field({key: 1}, "started").pointer == f"/{key}"


def test_a_failed_step_is_an_error_a_failure_word_or_an_http_error():
    assert step_failed({"error": {"message": "x"}}) and step_failed({"errors": ["x"]})
    assert step_failed({"status": "FAILED"}) and step_failed({"status": 503})
    assert step_failed({"response": {"status": 404}})
    assert not step_failed({"error": None, "errors": [], "status": "ok", "response": {"status": 200}})


def test_the_summarys_scan_for_failed_steps_agrees_with_reading_each_step():
    # failed_indices keeps its own per-key-set lookups: one key set's must not leak into another's.
    items = [
        {"error": "boom"}, {"Error": None, "status": "ok"}, {"status": 500}, {"status": "ok"},
        "not a step", {"response": {"status_code": 404}}, {"response": "x"}, {"error": "boom"},
        {"status": "failed", "error": None}, {"error": None, "status": "failed"}, None, {},
    ]
    assert failed_indices(items) == [index for index, item in enumerate(items) if step_failed(item)]
    assert failed_indices(items) == [0, 2, 5, 7, 8, 9]


def test_the_trace_is_the_largest_array_of_objects_with_a_trace_name():
    record = {"steps": [{}], "data": {"events": [{}, {}, {}]}, "messages": ["a", "b", "c", "d"]}
    assert find_trace(record).pointer == "/data/events"


def test_timestamps_in_iso_seconds_or_milliseconds():
    assert timestamp_seconds("2025-11-05T10:00:00Z") == timestamp_seconds(1762336800) == 1762336800
    assert timestamp_seconds(1762336800000) == 1762336800
    assert timestamp_seconds("2025-11-05T10:00:00") is None  # no zone: no instant
    assert timestamp_seconds(True) is None and timestamp_seconds(float("nan")) is None


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.json_values(st.sampled_from(["status", "trace", "criteria", "passed", "error", "score",
                                               "timestamp", "duration_ms", "step", "/trace/0", "x", ""]),
                              max_items=5, max_keys=6, max_leaves=40))
def test_any_json_reads_without_error_and_every_pointer_resolves(record):
    summary = summarise(record)
    assert isinstance(summary, Summary)
    facts = [summary.status, summary.score, summary.threshold, summary.scenario, summary.agent, summary.model,
             summary.started, summary.finished, summary.error, summary.trace]
    pointers = [fact.pointer for fact in facts if fact is not None]
    pointers += [criterion.pointer for criterion in summary.criteria]
    pointers += [pointer for criterion in summary.criteria for pointer in criterion.evidence]
    pointers += [step.pointer for step in summary.first_steps]
    for pointer in pointers:
        node_at(record, positions_of(record, pointer))  # raises if it does not resolve


def test_steps_of_any_array_keep_their_indices_and_the_first_steps_time():
    items = [{"kind": "a", "ts": 100}, "x", {"kind": "b", "ts": 101.5}, {"kind": "c"}]
    steps = read_steps(items, "/list")
    assert [(s.index, s.pointer, s.kind) for s in steps] == [
        (0, "/list/0", "a"), (1, "/list/1", None), (2, "/list/2", "b"), (3, "/list/3", "c")]
    assert [s.start_ms for s in read_steps(items, "/list", 2, 4)] == [1500.0, None]


def test_a_criterions_label_drops_the_kind_tag_the_badge_already_shows():
    summary = summarise({"checks": [{"title": "[D] PAY-1441 exists", "result": "fail"}, {"title": "Plain", "ok": True}]})
    assert [(c.kind, c.label) for c in summary.criteria] == [("D", "PAY-1441 exists"), (None, "Plain")]
    assert summary.criteria[0].description.value == "[D] PAY-1441 exists"  # the record's own words, linked
