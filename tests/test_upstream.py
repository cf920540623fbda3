"""The Archal client over real HTTP: every outcome, the request it sends, its limits."""

from __future__ import annotations

import time

import pytest

from runs import upstream
from tests.conftest import TEST_TOKEN


def test_found_run_returns_record_and_exact_body(archal):
    outcome = upstream.fetch_run("run_small")
    assert isinstance(outcome, upstream.RunFound)
    assert outcome.status == 200
    assert outcome.record["big_id"] == 505874924095815681
    assert outcome.body == archal.records["run_small"]


def test_request_carries_bearer_token_and_accepts_json(archal):
    upstream.fetch_run("run_small")
    path, headers = archal.requests[-1]
    assert path == "/api/runs/run_small"
    assert headers["Authorization"] == f"Bearer {TEST_TOKEN}"
    assert headers["Accept"] == "application/json"


@pytest.mark.parametrize(
    ("run_id", "expected_path"),
    [
        ("../x", "/api/runs/..%2Fx"),
        ("a?b#c", "/api/runs/a%3Fb%23c"),
        ("a;b\\c", "/api/runs/a%3Bb%5Cc"),
        ("run/with?odd#chars", "/api/runs/run%2Fwith%3Fodd%23chars"),
        ("ünï-コード", "/api/runs/%C3%BCn%C3%AF-%E3%82%B3%E3%83%BC%E3%83%89"),
        ("%2e%2e", "/api/runs/%252e%252e"),
    ],
)
def test_run_id_is_sent_as_one_encoded_path_segment(archal, run_id, expected_path):
    upstream.fetch_run(run_id)
    assert archal.requests[-1][0] == expected_path


def test_run_id_with_reserved_characters_reaches_its_own_record(archal):
    outcome = upstream.fetch_run("run/with?odd#chars")
    assert isinstance(outcome, upstream.RunFound)
    assert outcome.record == {"odd": True}


def test_integers_beyond_64_bits_stay_exact(archal):
    outcome = upstream.fetch_run("run_huge_int")
    assert isinstance(outcome, upstream.RunFound)
    assert outcome.record["id"] == 123456789012345678901234567890
    assert outcome.record["n"] == -9223372036854775809


def test_unknown_run_is_not_found(archal):
    outcome = upstream.fetch_run("run_nobody_has")
    assert isinstance(outcome, upstream.RunNotFound)
    assert outcome.status == 404


def test_rejected_token_carries_upstream_message(archal, settings):
    settings.ARCHAL_TOKEN = "tok_expired"
    outcome = upstream.fetch_run("run_small")
    assert isinstance(outcome, upstream.TokenRejected)
    assert outcome.message == "Missing, invalid or expired token."


def test_forbidden_run_is_access_denied(archal):
    outcome = upstream.fetch_run("fault-403")
    assert isinstance(outcome, upstream.AccessDenied)
    assert "project p_42" in outcome.message


def test_rate_limit_reads_retry_after(archal):
    outcome = upstream.fetch_run("fault-429")
    assert isinstance(outcome, upstream.RateLimited)
    assert outcome.retry_after == 17


def test_rate_limit_without_retry_after_has_no_wait(archal):
    outcome = upstream.fetch_run("fault-429-no-retry-after")
    assert isinstance(outcome, upstream.RateLimited)
    assert outcome.retry_after is None


@pytest.mark.parametrize(
    ("run_id", "status", "reason_part"),
    [
        ("fault-500-json", 500, "HTTP 500: Database unavailable."),
        ("fault-502-html", 502, "HTTP 502"),
        ("fault-503-empty", 503, "HTTP 503"),
        ("fault-html-200", 200, "not valid JSON"),
        ("fault-array", 200, "JSON an array, not an object"),
        ("fault-null", 200, "JSON null, not an object"),
        ("fault-invalid-utf8", 200, "not UTF-8"),
        ("fault-deep", 200, "nested too deeply"),
        ("fault-truncated", 200, "connection broke"),
        ("fault-redirect", 302, "redirect"),
    ],
)
def test_unusable_answers_are_upstream_failures(archal, run_id, status, reason_part):
    outcome = upstream.fetch_run(run_id)
    assert isinstance(outcome, upstream.UpstreamFailed), outcome
    assert outcome.status == status
    assert reason_part in outcome.reason


def test_redirect_is_not_followed(archal):
    upstream.fetch_run("fault-redirect")
    assert [path for path, _ in archal.requests] == ["/api/runs/fault-redirect"]


@pytest.mark.parametrize("run_id", ["fault-big", "fault-big-unannounced", "fault-gzip-bomb"])
def test_body_over_size_cap_is_refused(archal, settings, run_id):
    settings.ARCHAL_MAX_BYTES = 10_000
    outcome = upstream.fetch_run(run_id)
    assert isinstance(outcome, upstream.UpstreamFailed)
    assert "larger than this dashboard accepts" in outcome.reason


def test_body_at_size_cap_is_accepted(archal, settings):
    settings.ARCHAL_MAX_BYTES = len(archal.records["run_small"])
    assert isinstance(upstream.fetch_run("run_small"), upstream.RunFound)


@pytest.mark.parametrize("run_id", ["fault-slow-headers", "fault-trickle"], ids=["late first byte", "trickling body"])
def test_a_slow_answer_times_out_at_the_deadline(archal, settings, run_id):
    settings.ARCHAL_TIMEOUT = 0.5
    started = time.monotonic()
    outcome = upstream.fetch_run(run_id)
    assert isinstance(outcome, upstream.UpstreamTimeout)
    assert time.monotonic() - started < 2.0


def test_connection_refused_is_an_upstream_failure(settings):
    settings.ARCHAL_API_URL = "http://127.0.0.1:9"  # the discard port; nothing listens
    outcome = upstream.fetch_run("run_small")
    assert isinstance(outcome, upstream.UpstreamFailed)
    assert outcome.status is None
    assert "could not connect" in outcome.reason


def test_missing_token_makes_no_request(archal, settings):
    settings.ARCHAL_TOKEN = ""
    assert isinstance(upstream.fetch_run("run_small"), upstream.NotConfigured)
    assert archal.requests == []


def test_token_appears_in_no_outcome_or_log(archal, caplog):
    caplog.set_level("DEBUG")
    outcomes = [upstream.fetch_run(run_id) for run_id in ["run_small", "fault-500-json", "fault-429"]]
    assert all(TEST_TOKEN not in repr(outcome) for outcome in outcomes)
    assert TEST_TOKEN not in caplog.text
