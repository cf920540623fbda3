"""The run page reads a run as a run: the "Run summary" and "Criteria" regions above the tree."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote

import html5lib
import pytest

from runs.paths import node_at, positions_of
from sample_api.records import build_record
from tests.conftest import detail_url
from tests.test_summary import CAMEL, RESULT_CHECKS_EVENTS, SNAKE
from tests.xss_payloads import MARKUP, URL_LIKE

pytestmark = pytest.mark.django_db


def page(client, run_id: str) -> str:
    response = client.get(detail_url(run_id))
    assert response.status_code == 200
    return response.content.decode()


def region(html: str, name: str) -> str:
    """The HTML of the <section> labelled `name`, or "" if there is none."""
    match = re.search(rf'<section class="[^"]*" aria-labelledby="([^"]+)">\s*<h2 id="\1">{name}</h2>(.*?)</section>',
                      html, re.S)
    return match.group(2) if match else ""


def fragments(html: str) -> list[str]:
    return [unquote(unescape(href))[1:] for href in re.findall(r'href="(#[^"]*)"', html)]


def test_a_failed_sample_run_says_so_first(client, served):
    html = page(client, served("run_c5w9r2d6ht", build_record("run_c5w9r2d6ht")))
    summary = region(html, "Run summary")
    assert 'class="badge badge-failed"' in summary and ">failed</a>" in summary
    assert "score" in summary and "0.4375" in summary and "0.85" in summary
    assert "stripe-duplicate-charge-refund" in summary and "gemini-2.5-pro" in summary
    assert "took" in summary and "58.3 s" in summary
    assert re.search(r"\d+ of \d+ criteria failed", summary)
    criteria = region(html, "Criteria")
    items = re.findall(r'<li class="criterion criterion-(\w+)">', criteria)
    assert items and items[0] == "failed" and items == sorted(items, key=["failed", "passed", "neutral"].index)
    assert "The agent misread charge_already_refunded" in unescape(criteria)  # the explanation, no click needed
    assert html.index("Run summary") < html.index('class="json-tree"')


@pytest.mark.parametrize("record", [SNAKE, CAMEL, RESULT_CHECKS_EVENTS], ids=["snake", "camel", "result-checks-events"])
def test_every_link_in_the_regions_resolves_in_the_record(client, served, record):
    html = page(client, served("run_spelled", record))
    links = fragments(region(html, "Run summary") + region(html, "Criteria"))
    assert links
    for pointer in links:
        node_at(record, positions_of(record, pointer))


def test_three_spellings_show_their_status_badges(client, served):
    assert "badge-failed" in region(page(client, served("run_snake", SNAKE)), "Run summary")
    assert "badge-passed" in region(page(client, served("run_camel", CAMEL)), "Run summary")
    errored = page(client, served("run_events", RESULT_CHECKS_EVENTS))
    assert ">errored</a>" in region(errored, "Run summary") and "1 error" in region(errored, "Run summary")
    assert "[P]" in region(errored, "Criteria") and "No message was posted." in region(errored, "Criteria")


def test_an_unknown_status_word_is_shown_neutral(client, served):
    html = page(client, served("run_odd", {"status": "needs-review"}))
    assert 'class="badge badge-neutral"' in html and ">needs-review</a>" in html


@pytest.mark.parametrize("record", [{"a": 1}, {"items": [{"x": 1}]}, {"criteria": "x", "trace": 7}])
def test_a_record_with_none_of_the_fields_shows_no_summary(client, served, record):
    html = page(client, served("run_plain", record))
    assert "Run summary" not in html and "Criteria</h2>" not in html


def test_wrong_types_in_every_field_never_break_the_page(client, served):
    record = {"status": 42, "score": "high", "threshold": [], "scenario": 7, "agent": {"name": {}}, "model": 1,
              "started_at": "soon", "duration_ms": "long", "criteria": [1, {"passed": "maybe", "score": "x",
              "description": {"a": 1}, "explanation": 3, "evidence": ["/nowhere", 5]}], "trace": "x",
              "error": {"message": 1}}
    html = page(client, served("run_wrong", record))
    assert "Criterion /criteria/1" in region(html, "Criteria")  # no usable description: named by its place
    assert "1 error" in region(html, "Run summary")


def test_hostile_strings_in_every_shown_field_are_escaped(client, served):
    payloads = MARKUP + URL_LIKE
    record = {
        "status": payloads[0], "score": 0.5, "threshold": 0.9,
        "scenario": {"name": payloads[1]}, "agent": {"name": payloads[2], "model": payloads[3]},
        "started_at": "2025-11-05T16:45:12Z", "duration_ms": 5,
        "criteria": [{"description": payload, "passed": False, "kind": payload, "explanation": payload,
                      "status": payload} for payload in payloads],
        "error": payloads[4],
    }
    html = page(client, served("run_hostile_summary", record))
    shown = region(html, "Run summary") + region(html, "Criteria")
    for payload in payloads:
        assert payload not in shown
    document = html5lib.parse(shown, namespaceHTMLElements=False)
    assert not document.findall(".//script") and not document.findall(".//img") and not document.findall(".//iframe")
    assert all(not (element.get("href") or "").lower().startswith(("javascript", "data", "vbscript"))
               for element in document.iter())


@pytest.mark.parametrize("started", ["2025-11-06T10:00:00Z", 1762423200, 1762423200000, "2025-11-06T11:00:00+01:00"])
def test_the_start_reads_as_utc_time_whatever_its_form(client, served, started):
    html = page(client, served("run_started", {"status": "passed", "start_time": started}))
    assert "2025-11-06 10:00:00 UTC" in region(html, "Run summary")
