"""The run page in a real Chromium, driven by Playwright."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.fake_archal import RECORDS
from tests.tree_nodes import node_selector

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_tree_opens_and_closes_with_and_without_the_toolbar(live_server, page):
    page.goto(f"{live_server.url}/runs/run_small/")
    small = json.loads(RECORDS["run_small"])
    trace = page.locator(node_selector(small, "/trace"))
    step = page.locator(node_selector(small, "/trace/0"))
    assert trace.get_attribute("open") is not None  # a small record starts open
    page.get_by_role("button", name="Collapse all").click()
    assert not trace.evaluate("node => node.open")
    trace.locator("> summary").click()
    assert trace.evaluate("node => node.open")
    assert not step.evaluate("node => node.open")
    page.get_by_role("button", name="Expand all").click()
    assert step.evaluate("node => node.open")


def test_lookup_form_leads_to_the_run_page(live_server, page):
    page.goto(live_server.url)
    page.get_by_label("Run ID").fill("  run_small  ")
    page.get_by_role("button", name="Look up").click()
    page.wait_for_url(f"{live_server.url}/runs/run_small/")
    assert page.locator("h1").inner_text() == "run_small"


def test_hostile_record_runs_no_script(live_server, page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live_server.url}/runs/run_hostile/")
    page.get_by_role("button", name="Expand all").click()
    assert dialogs == []
    assert page.locator(".json-tree script, .json-tree img").count() == 0


def test_refresh_is_a_keyboard_reachable_button_that_posts_and_lands_back_on_the_page(live_server, page, archal):
    page.goto(f"{live_server.url}/runs/run_small/")
    refresh = page.get_by_role("button", name="Refresh", exact=True)
    for _ in range(20):  # Tab through the page to it
        page.keyboard.press("Tab")
        if refresh.evaluate("button => button === document.activeElement"):
            break
    expect(refresh).to_be_focused()
    # It looks like the links beside it.
    raw = page.locator(".run-meta").get_by_role("link", name="Raw JSON")
    look = "el => { const s = getComputedStyle(el); return [s.color, s.fontSize, s.textDecorationLine, s.backgroundColor]; }"
    assert refresh.evaluate(look) == raw.evaluate(look)
    posted: list[str] = []
    page.on("response", lambda response: posted.append(f"{response.request.method} {response.status}")
            if response.url == f"{live_server.url}/runs/run_small/" else None)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/runs/run_small/")
    assert posted == ["POST 303", "GET 200"]
    assert len(archal.requests) == 2  # the page's lookup, then the refresh
    page.reload()
    assert posted[-1] == "GET 200"  # reloading gets the page; it posts nothing
    assert len(archal.requests) == 2
