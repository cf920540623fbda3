"""The compare page, its JSON and its patch, through Django's test client against the local Archal."""

from __future__ import annotations

import copy
import json
import re
from html import unescape
from urllib.parse import unquote

import html5lib
import jsonpatch
import pytest
from django.urls import reverse

from runs import comparisons
from runs.compare_page import Limits
from runs.models import Lookup
from runs.outcomes import LookupOutcome
from sample_api.records import SAMPLE_RUN_IDS, build_record
from tests.conftest import TEST_TOKEN, detail_url
from tests.xss_payloads import MARKUP, URL_LIKE, hostile_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_comparisons():
    comparisons.forget_all()
    yield
    comparisons.forget_all()


def compare_url(a: str, b: str, **params: str) -> str:
    url = reverse("runs:compare", kwargs={"a": a, "b": b})
    return url + ("?" + "&".join(f"{key}={value}" for key, value in params.items()) if params else "")


def region(html: str, name: str) -> str:
    """The HTML of the <section> labelled `name`, or "" if there is none."""
    match = re.search(rf'<section class="[^"]*" aria-labelledby="([^"]+)">\s*<h2 id="\1">{name}</h2>(.*?)</section>',
                      html, re.S)
    return match.group(2) if match else ""


def hrefs(html: str) -> list[str]:
    return [unquote(unescape(href)) for href in re.findall(r'href="([^"]*)"', html)]


def steps(count: int, hour: int = 9) -> list[dict]:
    return [{"index": i, "timestamp": f"2025-11-05T{hour:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z", "kind": "tool_call",
             "tool": "github.get_issue", "arguments": {"number": i}, "duration_ms": 100 + i + hour,
             "call_id": f"call_{hour}_{i}"} for i in range(count)]


def pair() -> tuple[dict, dict]:
    """A failed run and the same scenario passing: a step inserted at 3, step 7 of A changed."""
    a = {"id": "run_a", "status": "failed", "score": 0.4, "duration_ms": 5000, "trace": steps(12),
         "criteria": [{"description": "Refund once", "passed": False}]}
    b = {"id": "run_b", "status": "passed", "score": 1.0, "duration_ms": 4200, "trace": steps(12, hour=15),
         "criteria": [{"description": "Refund once", "passed": True}]}
    b["trace"][7]["arguments"]["state"] = "closed"
    b["trace"].insert(3, {"kind": "agent_message", "content": "Checking the charge first."})
    return a, b


def test_the_form_sends_two_ids_to_the_comparisons_shareable_link(client):
    response = client.get(reverse("runs:compare_form"), {"a": " run_a ", "b": "run_b\n"})
    assert response.status_code == 302
    assert response["Location"] == "/compare/run_a/run_b/"


@pytest.mark.parametrize(("a", "b", "message"), [("run_a", "a/b", "cannot contain “/”"), ("", "run_b", "Enter a run ID."),
                                                  ("..", "run_b", "cannot be run IDs")])
def test_a_bad_id_gets_the_form_back_with_a_400_and_no_upstream_call(client, archal, a, b, message):
    response = client.get(reverse("runs:compare_form"), {"a": a, "b": b})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert archal.requests == [] and not Lookup.objects.exists()


def test_compare_page_shows_differences_steps_and_changes(client, served):
    a, b = pair()
    served("run_a", a)
    served("run_b", b)
    response = client.get(compare_url("run_a", "run_b"))
    assert response.status_code == 200
    html = response.content.decode()
    differences = region(html, "Differences")
    assert "3 changed, 2 added, 0 removed" in differences  # duration_ms is ignored, and shown at a glance
    assert "failed" in differences and "passed" in differences
    steps_region = region(html, "Steps")
    assert "First difference at step 3 of B" in steps_region
    assert "/runs/run_a/#/trace/7" in hrefs(steps_region) and "/runs/run_b/#/trace/8" in hrefs(steps_region)
    assert "only in B" in steps_region and "3 identical steps" in steps_region
    assert "/runs/run_b/#/trace/8/arguments/state" in hrefs(region(html, "Changed values"))
    # Both runs were looked up as a run page looks one up, and recorded.
    assert sorted(Lookup.objects.values_list("run_id", "outcome")) == [
        ("run_a", LookupOutcome.FOUND), ("run_b", LookupOutcome.FOUND)
    ]


def test_compare_json_is_the_same_page_as_data(client, served):
    a, b = pair()
    served("run_a", a)
    served("run_b", b)
    data = client.get(compare_url("run_a", "run_b", format="json")).json()
    assert data["counts"] == {"changed": 3, "added": 2, "removed": 0, "moved": 0}
    assert [(c["kind"], c["a_pointer"], c["b_pointer"]) for c in data["changes"]] == [
        ("changed", "/status", "/status"), ("changed", "/score", "/score"),
        ("added", None, "/trace/3"), ("added", None, "/trace/8/arguments/state"),
        ("changed", "/criteria/0/passed", "/criteria/0/passed"),
    ]
    assert data["steps"]["first_difference"] == {"state": "only_b", "a_index": None, "b_index": 3, "count": 1,
                                                 "changes": 0, "kind": "agent_message", "name": None}
    assert data["ignored"]["values_hidden"] > 0
    assert [g["label"] for g in data["criteria_flipped"]] == ["Refund once"]


def test_the_ignore_list_can_be_emptied_or_set(client, served):
    a, b = pair()
    served("run_a", a)
    served("run_b", b)
    everything = client.get(compare_url("run_a", "run_b", ignore="", format="json")).json()
    pointers = {c["a_pointer"] for c in everything["changes"]}
    assert {"/id", "/duration_ms", "/trace/0/timestamp"} <= pointers
    assert everything["ignored"] == {"keys": [], "values_hidden": 0}
    chosen = client.get(compare_url("run_a", "run_b", ignore="status,score", format="json")).json()
    assert chosen["ignored"]["keys"] == ["status", "score"]
    assert "/status" not in {c["a_pointer"] for c in chosen["changes"]}
    html = client.get(compare_url("run_a", "run_b", ignore="")).content.decode()
    assert "Nothing ignored." in html


def test_the_patch_turns_a_into_b(client, served):
    a, b = pair()
    served("run_a", a)
    served("run_b", b)
    response = client.get(reverse("runs:compare_patch", kwargs={"a": "run_a", "b": "run_b"}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json-patch+json"
    patch = json.loads(response.content)
    assert {"op": "add", "path": "/trace/3", "value": b["trace"][3]} in patch
    assert json.dumps(jsonpatch.apply_patch(a, patch), sort_keys=True) == json.dumps(b, sort_keys=True)


def test_the_sample_pair_compares_the_failed_refund_with_the_passing_one(client, served):
    for run_id in ("run_c5w9r2d6ht", "run_h2p6v9t4ra"):
        served(run_id, build_record(run_id))
    data = client.get(compare_url("run_c5w9r2d6ht", "run_h2p6v9t4ra", format="json")).json()
    glance = {g["label"]: (g["before"], g["after"]) for g in data["glance"]}
    assert glance["status"] == ("failed", "passed")
    assert len(data["criteria_flipped"]) == 3
    assert data["steps"]["first_difference"]["a_index"] == 11
    states = [row["state"] for row in data["steps"]["rows"]]
    assert states[0] == "same" and "only_a" in states and "only_b" in states
    assert data["steps"]["differences"] <= 15


# --- Either side without a record -----------------------------------------------------------

OUTCOMES = [
    ("run_missing", 404, "Run not found"),
    ("fault-status-401-json", 502, "Archal rejected the dashboard’s token"),
    ("fault-slow-headers", 504, "Archal did not answer in time"),
    ("fault-html-200", 502, "not valid JSON"),
    ("fault-429", 503, "Archal is rate limiting this dashboard"),
]


@pytest.mark.parametrize("side", ["A", "B"])
@pytest.mark.parametrize(("run_id", "status", "words"), OUTCOMES)
def test_a_side_without_a_record_says_which_run_and_why(client, settings, served, side, run_id, status, words):
    settings.ARCHAL_TIMEOUT = 0.5
    served("run_ok", {"status": "passed"})
    a, b = (run_id, "run_ok") if side == "A" else ("run_ok", run_id)
    response = client.get(compare_url(a, b))
    assert response.status_code == status
    html = unescape(response.content.decode())
    assert words in html
    assert f"Run {side}</strong> <code>{run_id}</code>" in html
    other = "B" if side == "A" else "A"
    assert f"Run {other}</strong> <code>run_ok</code>:\n      found." in html
    assert sorted(Lookup.objects.values_list("run_id", flat=True)) == sorted([a, b])
    data = client.get(compare_url(a, b, format="json"))
    assert data.status_code == status and data.json()["run"] == side and data.json()["run_id"] == run_id
    patch = client.get(reverse("runs:compare_patch", kwargs={"a": a, "b": b}))
    assert patch.status_code == status


def test_when_both_sides_fail_the_first_ones_status_is_the_pages(client, settings):
    settings.ARCHAL_TIMEOUT = 0.5
    response = client.get(compare_url("fault-429", "run_missing"))
    assert response.status_code == 503
    assert response["Retry-After"] == "17"
    html = response.content.decode()
    assert "Run not found" in html and "rate limiting" in html
    assert client.get(compare_url("run_missing", "fault-429")).status_code == 404


def test_a_side_answered_from_its_stored_copy_says_so(client, settings, served, archal):
    a, b = pair()
    served("run_a", a)
    served("run_b", b)
    client.get(compare_url("run_a", "run_b"))
    settings.RUN_CACHE_SECONDS = 0
    archal.overrides["run_b"] = "fault-500-json"
    response = client.get(compare_url("run_a", "run_b"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Run B: Archal’s answer could not be used" in html and "this is its record as fetched at" in html
    assert "3 changed, 2 added, 0 removed" in html
    assert list(Lookup.objects.filter(run_id="run_b").values_list("outcome", flat=True)) == [
        LookupOutcome.UPSTREAM_ERROR, LookupOutcome.FOUND
    ]


def test_a_bad_id_in_a_compare_link_is_a_400(client, archal):
    response = client.get(compare_url("..", "run_b"))
    assert response.status_code == 400
    assert archal.requests == []


def test_a_rejected_token_is_a_502_naming_both_runs(client, settings, served):
    settings.ARCHAL_TOKEN = "tok_expired"
    response = client.get(compare_url("run_small", "run_wide"))
    assert response.status_code == 502
    assert TEST_TOKEN not in response.content.decode() and "tok_expired" not in response.content.decode()


# --- Hostile records, budgets, paging ---------------------------------------------------------


def test_hostile_keys_and_values_in_both_records_are_text(client, served):
    a = hostile_record()
    b = copy.deepcopy(a)
    for number, payload in enumerate(MARKUP):
        b[f"nested_{number}"][payload][1]["deeper"] = payload + payload
        b[payload] = payload[::-1]
    b["urls"] = {payload[::-1]: payload for payload in URL_LIKE}
    b["<script>alert('only-b')</script>"] = {"<b>": "</details><script>alert('b')</script>"}
    served("run_xa", a)
    served("run_xb", b)
    html = client.get(compare_url("run_xa", "run_xb", ignore="")).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html and "<svg onload" not in html and "<iframe" not in html
    assert 'href="javascript:' not in html.lower() and "href=\"data:" not in html
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    elements = [element for element in tree.iter() if element.tag in ("script", "img", "svg", "iframe", "style")]
    assert [element.get("src") for element in elements] == ["/static/tree.js", "/static/compare.js"]  # its own scripts only
    assert "/&lt;script&gt;alert(&#x27;only-b&#x27;)&lt;~1script&gt;" in html  # its pointer, shown as text
    assert "&lt;b&gt;: &quot;&lt;/details&gt;&lt;scri" in html  # its value's preview


def test_a_pair_of_huge_values_and_keys_stays_within_a_megabyte(client, settings, served):
    settings.ARCHAL_MAX_BYTES = 50_000_000
    # Keys of 3,000 "<" (each link to them percent-encoded: 9 KB), values of 20,000 "<" against "&".
    a = {"<" * 3000 + str(i): "<" * 20_000 for i in range(200)}
    a["<" * 300_000] = {"<" * 300_000: "x"}  # a pointer too long to link
    a["list"] = ["\"" * 3000 for _ in range(300)]
    b = {key: "&" * 20_000 if isinstance(value, str) else value for key, value in a.items()}
    b["<" * 300_000] = {"<" * 300_000: "y"}
    b["list"] = ["'" * 3000 for _ in range(300)]
    served("run_ha", a)
    served("run_hb", b)
    response = client.get(compare_url("run_ha", "run_hb"))
    assert response.status_code == 200
    assert len(response.content) <= 1_000_000
    html = response.content.decode()
    shown = html.count('<li class="change ')
    assert 5 <= shown < 100  # the byte budget, not the 100 rows, ended the page
    assert f"… {501 - shown} more changes" in html
    data = client.get(compare_url("run_ha", "run_hb", format="json"))
    assert len(data.content) <= 1_000_000 and len(data.json()["changes"]) == shown
    deep = client.get(compare_url("run_ha", "run_hb", offset="200", format="json")).json()
    assert deep["changes"][0]["pointers_cut"] and len(deep["changes"][0]["a_pointer"]) == 201


def test_many_changes_come_a_page_at_a_time(client, served):
    a = {"values": {f"v{i:04d}": i for i in range(1000)}}
    b = {"values": {f"v{i:04d}": i + 1 for i in range(1000)}}
    served("run_ma", a)
    served("run_mb", b)
    first = client.get(compare_url("run_ma", "run_mb", format="json")).json()
    assert first["total"] == 1000 and first["offset"] == 0 and len(first["changes"]) == 100
    assert first["next_offset"] == 100
    html = client.get(compare_url("run_ma", "run_mb")).content.decode()
    assert "… 900 more changes" in html
    assert 'href="?offset=100"' in html
    second = client.get(compare_url("run_ma", "run_mb", offset="100", format="json")).json()
    assert second["offset"] == 100 and second["changes"][0]["a_pointer"] == "/values/v0100"
    last = client.get(compare_url("run_ma", "run_mb", offset="950", format="json")).json()
    assert last["next_offset"] is None and last["changes"][-1]["a_pointer"] == "/values/v0999"
    page_two = client.get(compare_url("run_ma", "run_mb", offset="100")).content.decode()
    assert "Changes 101–200 of 1,000" in page_two
    # Later pages read the stored records: no new lookups.
    assert Lookup.objects.count() == 4  # the first page as JSON and as HTML, two runs each


def test_many_step_rows_come_a_page_at_a_time(client, served):
    a = {"trace": steps(600)}
    b = {"trace": [step for i, step in enumerate(steps(600, hour=10)) if i % 2]}
    served("run_sa", a)
    served("run_sb", b)
    first = client.get(compare_url("run_sa", "run_sb", format="json")).json()["steps"]
    assert len(first["rows"]) == 100 and first["total"] == 600 and first["next_offset"] == 100
    assert first["first_difference"]["a_index"] == 0
    html = client.get(compare_url("run_sa", "run_sb")).content.decode()
    assert "… 500 more rows" in html


# --- Entry points -----------------------------------------------------------------------------


def test_the_run_page_offers_to_compare_with_another_run(client):
    html = client.get(detail_url("run_small")).content.decode()
    form = re.search(r'<form class="compare-with" action="/compare/" method="get">(.*?)</form>', html, re.S).group(1)
    assert '<input type="hidden" name="a" value="run_small">' in form
    assert 'name="b"' in form


def test_the_home_page_has_a_compare_form_and_the_sample_pair(client, settings):
    settings.ARCHAL_SAMPLE_API = True
    settings.ARCHAL_SAMPLE_RUN_IDS = list(SAMPLE_RUN_IDS)
    html = client.get("/").content.decode()
    assert 'action="/compare/"' in html and 'name="a"' in html and 'name="b"' in html
    assert 'href="/compare/run_c5w9r2d6ht/run_h2p6v9t4ra/"' in html


def test_the_compare_form_alone_is_a_page(client):
    response = client.get(reverse("runs:compare_form"))
    assert response.status_code == 200
    assert b"<h1>Compare two runs</h1>" in response.content


# --- The changes as a tree --------------------------------------------------------------------


def stepped_pair() -> tuple[dict, dict]:
    """Six steps of five keys; B changes two keys of step 2 and one of three keys of `meta`."""
    a = {"run": "r", "trace": [{"kind": "tool_call", "tool": "github.get_issue", "arguments": {"number": i},
                                "output": f"issue {i}", "status": "ok"} for i in range(6)],
         "meta": {"k1": 1, "k2": 2, "k3": 3}}
    b = copy.deepcopy(a)
    b["trace"][2]["output"] = "not found"
    b["trace"][2]["status"] = "error"
    b["meta"]["k1"] = 10
    return a, b


def group_items(html: str) -> dict[str, object]:
    """The tree of the Changed values region as {label: [change keys and nested groups], …}."""
    section = html5lib.parse(region(html, "Changed values"), namespaceHTMLElements=False)

    def read(items) -> list:
        entries = []
        for item in items:
            classes = item.get("class", "").split()
            head = item.find("p")
            key = head.find("span").text if head is not None and head.find("span") is not None else None
            if "change-group" in classes:
                entries.append({key: read(item.find("ul").findall("li"))})
            elif "change" in classes:
                entries.append(key)
            else:
                entries.append("".join(item.itertext()).strip())
        return entries

    return {"tree": read(section.find(".//ul[@class='change-tree']").findall("li"))}


def test_two_changed_keys_of_one_step_are_listed_under_that_step_once(client, served):
    a, b = stepped_pair()
    served("run_ta", a)
    served("run_tb", b)
    html = client.get(compare_url("run_ta", "run_tb")).content.decode()
    assert group_items(html) == {"tree": [
        {"trace": [{"2": ["output", "status", "3 unchanged keys"]}, "5 unchanged items"]},
        {"meta": ["k1", "2 unchanged keys"]},
        "1 unchanged key",
    ]}
    # Each group links to its node in each run.
    changes = region(html, "Changed values")
    assert {"/runs/run_ta/#/trace/2", "/runs/run_tb/#/trace/2", "/runs/run_ta/#/meta"} <= set(hrefs(changes))
    # Each change still shows its pointers, linked.
    assert "<code>/trace/2/output</code>" in changes and "/runs/run_tb/#/trace/2/status" in hrefs(changes)


def test_the_json_lists_the_groups_with_their_unchanged_counts(client, served):
    a, b = stepped_pair()
    served("run_ta", a)
    served("run_tb", b)
    data = client.get(compare_url("run_ta", "run_tb", format="json")).json()
    assert [(g["a_pointer"], g["b_pointer"], g["label"], g["unchanged"], g["of"]) for g in data["groups"]] == [
        ("", "", "", 1, "keys"), ("/trace", "/trace", "trace", 5, "items"),
        ("/trace/2", "/trace/2", "2", 3, "keys"), ("/meta", "/meta", "meta", 2, "keys"),
    ]
    assert [c["a_pointer"] for c in data["changes"]] == ["/trace/2/output", "/trace/2/status", "/meta/k1"]


def test_a_step_inserted_before_a_changed_one_groups_it_by_its_place_in_each_run(client, served):
    a, b = pair()  # B inserts a step at 3 and adds a key to A's step 7 (its step 8)
    served("run_a", a)
    served("run_b", b)
    data = client.get(compare_url("run_a", "run_b", format="json")).json()
    groups = {(g["a_pointer"], g["b_pointer"]): g for g in data["groups"]}
    assert groups[("/trace/7", "/trace/8")]["label"] == "7 → 8"
    assert groups[("/trace/7/arguments", "/trace/8/arguments")]["unchanged"] == 1  # number
    # 12 steps in A: step 7 has a change (a key only in B), the step only in B is none of A's.
    assert groups[("/trace", "/trace")]["unchanged"] == 11


def test_unchanged_counts_agree_with_counting_every_change(client, served):
    """The binary searches give what a scan of the whole list of changes gives, on the sample pair."""
    from runs.compare import compare
    from runs.paths import pointer_tokens
    from runs.volatile import parse_ignore

    records = {run_id: build_record(run_id) for run_id in ("run_h2p6v9t4ra", "run_c5w9r2d6ht")}
    a_id, b_id = list(records)
    for run_id, record in records.items():
        served(run_id, record)
    changes = compare(records[a_id], records[b_id], parse_ignore("")).changes
    paths = [c.a_pointer if c.a_pointer is not None else c.container[0] for c in changes]
    groups, offset = [], 0
    while offset is not None:  # every page's groups
        data = client.get(compare_url(a_id, b_id, ignore="", format="json", offset=str(offset))).json()
        groups += data["groups"]
        offset = data["next_offset"]
    assert len(groups) > 50 and any(group["continued"] for group in groups)
    for group in groups:
        container = records[a_id]
        for token in pointer_tokens(group["a_pointer"]):
            container = container[int(token)] if isinstance(container, list) else container[token]
        prefix = group["a_pointer"] + "/"
        touched = {path[len(prefix):].split("/")[0] for path in paths if path.startswith(prefix)}
        assert group["unchanged"] == len(container) - len(touched), group


def test_the_sample_pairs_agent_group_counts_its_unchanged_keys(client, served):
    for run_id in ("run_h2p6v9t4ra", "run_c5w9r2d6ht"):
        served(run_id, build_record(run_id))
    html = client.get(compare_url("run_h2p6v9t4ra", "run_c5w9r2d6ht")).content.decode()
    agent = group_items(html)["tree"][0]
    assert agent == {"agent": ["version", "4 unchanged keys"]}
    assert len(build_record("run_h2p6v9t4ra")["agent"]) == 5


def test_a_group_split_between_pages_is_continued_on_the_next(client, served):
    a = {"other": 1, "values": {f"v{i:04d}": i for i in range(1000)}}
    b = {"other": 2, "values": {f"v{i:04d}": i + (i % 4 == 0) for i in range(1000)}}  # 250 changed, 750 not
    served("run_ga", a)
    served("run_gb", b)
    first = client.get(compare_url("run_ga", "run_gb", format="json")).json()
    assert first["next_offset"] == 100
    assert [(g["a_pointer"], g["unchanged"], g["continued"]) for g in first["groups"]] == [
        ("", 0, False), ("/values", 750, False)]
    second_html = client.get(compare_url("run_ga", "run_gb", offset="100")).content.decode()
    tree = group_items(second_html)["tree"]
    assert len(tree) == 1 and list(tree[0]) == ["values"]
    assert tree[0]["values"][0] == "v0396" and tree[0]["values"][-2:] == ["v0792", "750 unchanged keys"]
    assert len(tree[0]["values"]) == 101
    assert "Changes 101–200 of 251, continuing <code>/values</code>" in second_html
    assert '<span class="change-key">values</span> <span class="change-continued">continued</span>' in second_html
    second = client.get(compare_url("run_ga", "run_gb", offset="100", format="json")).json()
    assert [(g["a_pointer"], g["continued"]) for g in second["groups"]] == [("", False), ("/values", True)]
    # The first page's group is not continued; its first change is the record's own.
    first_html = client.get(compare_url("run_ga", "run_gb")).content.decode()
    assert group_items(first_html)["tree"][0] == "other"
    assert "change-continued" not in first_html


def test_hostile_keys_label_groups_and_changes_as_text(client, served):
    a = hostile_record()
    b = copy.deepcopy(a)
    for number, payload in enumerate(MARKUP):
        b[f"nested_{number}"][payload][1]["deeper"] = payload + payload
        b[f"nested_{number}"][payload][1][payload] = payload
    served("run_xa", a)
    served("run_xb", b)
    html = client.get(compare_url("run_xa", "run_xb", ignore="")).content.decode()
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    assert [element.get("src") for element in tree.iter() if element.tag in ("script", "img", "svg", "iframe",
                                                                            "style")] == ["/static/tree.js",
                                                                                          "/static/compare.js"]
    labels = [span.text for span in tree.iter("span") if span.get("class") == "change-key"]
    for payload in MARKUP:
        assert payload in labels  # a group's key and an added key, each shown as the text it is
    groups = client.get(compare_url("run_xa", "run_xb", ignore="", format="json")).json()["groups"]
    assert {g["label"] for g in groups} >= set(MARKUP)


def test_the_changes_fragment_is_the_next_page_of_the_region_only(client, served):
    a = {"values": {f"v{i:04d}": i for i in range(1000)}}
    b = {"values": {f"v{i:04d}": i + 1 for i in range(1000)}}
    served("run_ma", a)
    served("run_mb", b)
    client.get(compare_url("run_ma", "run_mb"))
    response = client.get(compare_url("run_ma", "run_mb", offset="100", fragment="changes"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="change-page" id="changes-100">')
    assert html.rstrip().endswith("</div>")
    assert "<html" not in html and "<section" not in html and "<h2" not in html and "Steps" not in html
    assert html.count('<li class="change ') == 100
    # The next link: the page itself without JavaScript, the fragment with it.
    assert 'href="?offset=200"' in html and 'data-fragment="?offset=200&amp;fragment=changes"' in html


def test_the_changes_fragment_of_huge_values_stays_within_the_byte_budget(client, settings, served):
    settings.ARCHAL_MAX_BYTES = 50_000_000
    a = {"<" * 3000 + str(i): {"<" * 2000: "<" * 20_000} for i in range(200)}
    b = {key: {"<" * 2000: "&" * 20_000} for key in a}
    served("run_ha", a)
    served("run_hb", b)
    client.get(compare_url("run_ha", "run_hb"))
    response = client.get(compare_url("run_ha", "run_hb", offset="10", fragment="changes"))
    html = response.content.decode()
    shown = html.count('<li class="change ')
    assert 5 <= shown < 100 and html.count('<li class="change-group">') == shown  # the budget ended it
    assert len(response.content) <= Limits().byte_budget


def test_the_steps_fragment_is_the_next_rows_only(client, served):
    a = {"trace": steps(600)}
    b = {"trace": [step for i, step in enumerate(steps(600, hour=10)) if i % 2]}
    served("run_sa", a)
    served("run_sb", b)
    html = client.get(compare_url("run_sa", "run_sb", steps="100", fragment="steps")).content.decode()
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    assert len(tree.findall(".//tbody/tr")) == 100
    assert "Changed values" not in html and "<section" not in html
    assert 'href="?steps=200"' in html and 'data-fragment="?steps=200&amp;fragment=steps"' in html


def test_a_change_hundreds_of_levels_deep_nests_its_groups_a_few_levels_only(client, served):
    def nested(leaf: int) -> dict:
        record: dict = {"leaf": leaf, "other": 0}
        for _ in range(300):
            record = {"d": record}
        return record

    served("run_da", nested(1))
    served("run_db", nested(2))
    response = client.get(compare_url("run_da", "run_db"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<li class="change-group">') == 6  # five levels, then the rest of the path as one group
    labels = re.findall(r'<span class="change-key">([^<]*)</span>', html)
    assert labels[:5] == ["d"] * 5 and labels[5] == "/".join(["d"] * 295)[:100] + "…" and labels[6] == "leaf"
    assert "1 unchanged key" in html  # "other", beside the leaf


def test_step_counts_at_a_glance_read_with_thousands_separators(client, served):
    served("run_a", {"trace": [{"kind": "tool_call", "n": n % 7} for n in range(1234)]})
    served("run_b", {"trace": [{"kind": "tool_call", "n": n % 7} for n in range(1235)]})
    differences = region(client.get(compare_url("run_a", "run_b")).content.decode(), "Differences")
    assert ">1,234</a>" in differences and ">1,235</a>" in differences
