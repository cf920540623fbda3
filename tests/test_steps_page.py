"""/runs/<id>/steps: the trace as a table and a timeline, paged and filtered; ?format=json as data."""

from __future__ import annotations

import re

import html5lib
import pytest
from django.urls import reverse

from runs.models import Lookup
from tests.xss_payloads import MARKUP

pytestmark = pytest.mark.django_db


def trace(count: int, failing: set[int] = frozenset()) -> list[dict]:
    return [
        {"timestamp": f"2025-11-05T10:{i // 60 % 60:02d}:{i % 60:02d}Z", "kind": "tool_call" if i % 2 else "api_request",
         "tool": f"github.tool_{i}", "duration_ms": 500, **({"error": {"message": "boom"}} if i in failing else {})}
        for i in range(count)
    ]


def steps_url(run_id: str) -> str:
    return reverse("runs:steps", kwargs={"run_id": run_id})


def test_steps_page_shows_a_hundred_rows_each_linking_to_its_node(client, served):
    run_id = served("run_steps", {"status": "failed", "trace": trace(250, failing={130, 131})})
    response = client.get(steps_url(run_id))
    assert response.status_code == 200
    html = response.content.decode()
    document = html5lib.parse(html, namespaceHTMLElements=False)
    rows = document.findall(".//table[@class='steps-table']/tbody/tr")
    assert len(rows) == 100
    assert rows[0].find("td/a").get("href") == f"/runs/{run_id}/#/trace/0"
    assert "Steps 1–100 of 250" in html
    assert 'rel="next" href="?offset=100"' in html
    assert "First error: step 130" in html
    assert rows[1].find(".//{http://www.w3.org/2000/svg}rect") is not None  # the timeline bar, as attributes


def test_pages_and_filters(client, served):
    run_id = served("run_steps", {"trace": trace(250, failing={5, 130, 249})})
    last = client.get(steps_url(run_id), {"offset": "200"}).content.decode()
    assert "Steps 201–250 of 250" in last and 'rel="prev" href="?offset=100"' in last
    failed = client.get(steps_url(run_id), {"errors": "1", "format": "json"}).json()
    assert (failed["total"], [step["index"] for step in failed["steps"]]) == (3, [5, 130, 249])
    calls = client.get(steps_url(run_id), {"kind": "tool_call", "format": "json"}).json()
    assert calls["total"] == 125 and all(step["kind"] == "tool_call" for step in calls["steps"])
    beyond = client.get(steps_url(run_id), {"offset": "999999999999999999999", "format": "json"}).json()
    assert beyond["offset"] == 200


def test_json_is_the_same_page_as_data(client, served):
    run_id = served("run_steps", {"trace": trace(3, failing={2})})
    data = client.get(steps_url(run_id), {"format": "json"}).json()
    assert data == {
        "pointer": "/trace", "total": 3, "offset": 0,
        "steps": [
            {"index": 0, "pointer": "/trace/0", "kind": "api_request", "name": "github.tool_0", "failed": False,
             "start_ms": 0.0, "duration_ms": 500.0},
            {"index": 1, "pointer": "/trace/1", "kind": "tool_call", "name": "github.tool_1", "failed": False,
             "start_ms": 1000.0, "duration_ms": 500.0},
            {"index": 2, "pointer": "/trace/2", "kind": "api_request", "name": "github.tool_2", "failed": True,
             "start_ms": 2000.0, "duration_ms": 500.0},
        ],
    }


def test_another_array_by_pointer_and_clear_answers_for_bad_ones(client, served):
    run_id = served("run_steps", {"trace": trace(2), "other": {"calls": [{"kind": "x"}, {"kind": "y"}]}, "n": 1})
    data = client.get(steps_url(run_id), {"pointer": "/other/calls", "format": "json"}).json()
    assert [step["pointer"] for step in data["steps"]] == ["/other/calls/0", "/other/calls/1"]
    assert client.get(steps_url(run_id), {"pointer": "/nowhere"}).status_code == 404
    assert client.get(steps_url(run_id), {"pointer": "/n"}).status_code == 400


def test_a_record_without_a_trace_says_so(client, served):
    response = client.get(steps_url(served("run_plain", {"a": 1})))
    assert response.status_code == 404 and b"No steps" in response.content


def test_hostile_step_fields_are_escaped(client, served):
    steps = [{"kind": payload, "tool": payload, "timestamp": "2025-11-05T10:00:00Z"} for payload in MARKUP]
    html = client.get(steps_url(served("run_steps", {"trace": steps}))).content.decode()
    for payload in MARKUP:
        assert payload not in html
    assert not re.search(r"<script>alert", html)


def test_the_run_page_shows_the_first_steps_and_links_to_all(client, served):
    run_id = served("run_steps", {"trace": trace(40, failing={33})})
    html = client.get(reverse("runs:detail", kwargs={"run_id": run_id})).content.decode()
    assert '<h2 id="steps-heading">Steps</h2>' in html
    assert f'href="/runs/{run_id}/steps">All 40 steps as a table and timeline</a>' in html
    assert 'First error: step 33' in html and 'href="#/trace/33"' in html
    assert len(re.findall(r'<tr class="step[ "]', html)) == 10


def test_steps_of_a_run_not_yet_stored_are_looked_up_like_its_page(client, served):
    run_id = served("run_steps_first", {"trace": trace(3)})
    assert client.get(steps_url(run_id), {"format": "json"}).json()["total"] == 3
    assert Lookup.objects.filter(run_id=run_id).count() == 1
    missing = client.get(steps_url("run_nobody_has"))
    assert missing.status_code == 404 and b"Run not found" in missing.content


def test_a_kept_record_reads_its_steps_in_the_background_after_its_index(settings):
    from dyno import wait_until
    from runs.records import ParsedRecord

    settings.SEARCH_INDEX_IN_BACKGROUND = True
    parsed = ParsedRecord(run_id="run_bg", sha256="0" * 64, size_bytes=10, fetched_at=None, record={"trace": trace(5)})
    parsed.build_index_in_background()
    wait_until(lambda: "/trace" in parsed._steps, timeout=10, interval=0.05, what="the steps read in the background")
    assert parsed.index_ready and len(parsed._steps["/trace"]) == 5
