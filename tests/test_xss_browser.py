"""Hostile records and run IDs in a real Chromium: no injected script ever runs."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.xss_payloads import MARKUP, RUN_IDS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INJECTED = "script, img, svg, iframe, style, math, .json-tree a[href^='javascript'], [onerror], [onload], [ontoggle], [onmouseover]"


@pytest.fixture
def watched(page):
    """The page, with every dialog and navigation noted."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    return page


def assert_nothing_ran(page, url: str) -> None:
    assert page.dialogs == []
    assert page.url == url
    assert page.locator(f"main :is({INJECTED})").count() == 0


def test_hostile_keys_values_and_urls_stay_text(live_server, watched):
    url = f"{live_server.url}/runs/run_xss/"
    watched.goto(url)
    watched.get_by_role("button", name="Expand all").click()
    for leaf in watched.locator(".json-leaf").all()[:40]:
        leaf.hover()
    watched.keyboard.press("/")
    watched.keyboard.type("<script>")
    expect(watched.locator(".filter-count")).to_contain_text(" of ")
    assert_nothing_ran(watched, url)
    text = watched.locator(".json-tree").inner_text()
    assert all(payload in text for payload in MARKUP)
    links = watched.locator(".json-tree a.json-url")
    assert all(href.startswith("https://") for href in links.evaluate_all("els => els.map(e => e.href)"))
    # Only the https string without spaces; never javascript:, data: or vbscript:.
    assert links.count() == 1


def test_raw_view_and_show_all_keep_payloads_as_text(live_server, watched, settings):
    settings.TREE_STRING_CHARS = 10
    url = f"{live_server.url}/runs/run_xss/"
    watched.goto(url)
    for link in watched.locator("a.json-show-all").all()[:5]:
        link.click()
    watched.get_by_role("button", name="Raw JSON view").click()
    expect(watched.locator(".raw-view pre")).to_contain_text("xss-script")
    assert_nothing_ran(watched, url)


@pytest.mark.parametrize("run_id", RUN_IDS)
def test_hostile_run_ids_stay_text(live_server, watched, run_id):
    url = f"{live_server.url}/runs/{quote(run_id, safe='')}/"
    watched.goto(url)
    expect(watched.locator("h1")).to_have_text("Run not found")
    expect(watched.locator(".problem-run code")).to_have_text(run_id)
    assert watched.dialogs == []
    assert watched.locator(f"main :is({INJECTED})").count() == 0
    watched.goto(f"{live_server.url}/")
    expect(watched.locator(".recent table")).to_contain_text(run_id)
    assert watched.dialogs == []


def test_hostile_deep_link_is_only_a_pointer(live_server, watched):
    url = f"{live_server.url}/runs/run_xss/#/" + quote("<img src=x onerror=alert('xss-hash')>")
    watched.goto(url)
    expect(watched.locator(".viewer-status")).to_contain_text("Nothing at")
    assert_nothing_ran(watched, url)
