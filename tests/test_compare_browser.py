"""The compare page in a real Chromium: its links open the right node in each run; axe finds nothing."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from runs import comparisons
from sample_api.records import build_record
from tests.tree_nodes import node_selector

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAILED, PASSED = "run_c5w9r2d6ht", "run_h2p6v9t4ra"  # the sample pair: one Stripe refund scenario, two runs


@pytest.fixture
def sample_pair(served):
    comparisons.forget_all()
    return {run_id: served(run_id, build_record(run_id)) and build_record(run_id) for run_id in (FAILED, PASSED)}


def test_step_links_open_the_step_in_each_run(live_server, page, sample_pair):
    page.goto(f"{live_server.url}/compare/{FAILED}/{PASSED}/")
    steps = page.get_by_role("region", name="Steps")
    expect(steps.get_by_role("link", name="First difference at step 11")).to_be_visible()
    # The row where B checks the original charge: only in B, at its step 15.
    row = steps.locator("tr.compare-step-only_b").first
    row.get_by_role("link", name="15").click()
    expect(page).to_have_url(re.compile(rf"/runs/{PASSED}/#/trace/15$"))
    target = page.locator(node_selector(sample_pair[PASSED], "/trace/15"))
    expect(target).to_have_class(re.compile("json-target"))
    expect(target).to_be_in_viewport()
    page.go_back()
    # A changed step: A's link opens A's step 20, B's opens B's step 17.
    row = page.get_by_role("region", name="Steps").locator("tr.compare-step-changed", has_text="jira.add_comment")
    row.get_by_role("link", name="20").click()
    expect(page).to_have_url(re.compile(rf"/runs/{FAILED}/#/trace/20$"))
    expect(page.locator(node_selector(sample_pair[FAILED], "/trace/20"))).to_have_class(re.compile("json-target"))
    page.go_back()
    row = page.get_by_role("region", name="Steps").locator("tr.compare-step-changed", has_text="jira.add_comment")
    row.get_by_role("link", name="17").click()
    expect(page).to_have_url(re.compile(rf"/runs/{PASSED}/#/trace/17$"))
    expect(page.locator(node_selector(sample_pair[PASSED], "/trace/17"))).to_have_class(re.compile("json-target"))


def test_a_changed_value_links_to_its_node_in_each_run(live_server, page, sample_pair):
    page.goto(f"{live_server.url}/compare/{FAILED}/{PASSED}/")
    change = page.get_by_role("region", name="Changed values").locator("li.change", has_text="/trace/11/content")
    change.get_by_role("link", name="in B").click()
    target = page.locator(node_selector(sample_pair[PASSED], "/trace/11/content"))
    expect(target).to_have_class(re.compile("json-target"))
    expect(target).to_contain_text("same Idempotency-Key")


def test_the_run_pages_form_opens_a_comparison(live_server, page, sample_pair):
    page.goto(f"{live_server.url}/runs/{FAILED}/")
    page.get_by_label("Compare with…").fill(PASSED)
    page.get_by_label("Compare with…").press("Enter")
    expect(page).to_have_url(f"{live_server.url}/compare/{FAILED}/{PASSED}/")
    expect(page.get_by_role("region", name="Differences")).to_contain_text("changed")


@pytest.mark.parametrize(("path", "scheme"), [
    (f"/compare/{FAILED}/{PASSED}/", "light"), (f"/compare/{FAILED}/{PASSED}/", "dark"),
    (f"/compare/{FAILED}/{FAILED}/", "light"), (f"/compare/{FAILED}/run_missing/", "light"),
    ("/compare/", "light"), ("/compare/?a=..&b=x", "light"),
])
def test_axe_finds_no_accessibility_violations_on_compare_pages(live_server, page, sample_pair, path, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{live_server.url}{path}")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture
def paged_pair(served):
    """250 changed values among 1,000 under one object: three pages of changes."""
    comparisons.forget_all()
    a = {"values": {f"v{i:04d}": i for i in range(1000)}}
    b = {"values": {f"v{i:04d}": i + (i % 4 == 0) for i in range(1000)}}
    served("run_pa", a)
    served("run_pb", b)
    return a, b


def test_more_changes_load_in_place_and_their_links_open_the_right_node(live_server, page, paged_pair):
    url = f"{live_server.url}/compare/run_pa/run_pb/"
    page.goto(url)
    page.evaluate("window.stayed = true")  # gone if the page were loaded again
    changes = page.get_by_role("region", name="Changed values")
    expect(changes.locator("li.change")).to_have_count(100)
    changes.get_by_role("link", name="… 150 more changes").click()
    expect(changes.locator("li.change")).to_have_count(200)
    assert page.url == url and page.evaluate("window.stayed") is True
    paging = changes.locator(".compare-paging")
    expect(paging).to_contain_text("Changes 101–200 of 250, continuing /values")
    expect(paging).to_be_focused()
    expect(page.locator("#compare-status")).to_have_text("Loaded Changes 101–200 of 250, continuing /values")
    expect(changes.get_by_role("link", name="… 150 more changes")).to_have_count(0)
    changes.get_by_role("link", name="… 50 more changes").click()
    expect(changes.locator("li.change")).to_have_count(250)
    expect(changes.locator(".compare-more")).to_have_count(0)
    assert page.url == url
    # A change the second page brought links to its node in B; its group to the object in A.
    changes.locator("li.change", has_text="/values/v0400").get_by_role("link", name="in B").click()
    expect(page).to_have_url(re.compile(r"/runs/run_pb/#/values/v0400$"))
    target = page.locator(node_selector(paged_pair[1], "/values/v0400"))
    expect(target).to_have_class(re.compile("json-target"))
    expect(target).to_contain_text("401")
    page.go_back()
    group = page.get_by_role("region", name="Changed values").locator("li.change-group").first
    group.locator(".change-group-head").get_by_role("link", name="in A").click()
    expect(page).to_have_url(re.compile(r"/runs/run_pa/#/values$"))
    expect(page.locator(node_selector(paged_pair[0], "/values"))).to_have_class(re.compile("json-target"))


def test_more_step_rows_load_in_place(live_server, page, served):
    comparisons.forget_all()
    steps = [{"kind": "tool_call", "tool": "github.get_issue", "arguments": {"number": i}} for i in range(300)]
    served("run_sa", {"trace": steps})
    served("run_sb", {"trace": steps[1::2]})
    url = f"{live_server.url}/compare/run_sa/run_sb/"
    page.goto(url)
    rows = page.get_by_role("region", name="Steps").locator("tbody tr")
    expect(rows).to_have_count(100)
    page.get_by_role("link", name="… 200 more rows").click()
    expect(rows).to_have_count(200)
    assert page.url == url
    expect(rows.nth(100).get_by_role("link").first).to_be_focused()
    page.get_by_role("link", name="… 100 more rows").click()
    expect(rows).to_have_count(300)
    expect(page.get_by_role("link", name="… 100 more rows")).to_have_count(0)
