"""The run viewer in a real Chromium: lazy parts, filter, deep links, paths, keyboard."""

from __future__ import annotations

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from runs.paths import json_pointer
from sample_api.records import build_record
from tests.fake_archal import AWKWARD_KEYS, RECORDS
from tests.tree_nodes import node_selector

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDE = json.loads(RECORDS["run_wide"])


@pytest.fixture
def wide(live_server, page):
    page.goto(f"{live_server.url}/runs/run_wide/")
    return page


def node(page, pointer: str):
    """The wide run's node at `pointer`."""
    return page.locator(node_selector(WIDE, pointer))


def test_deep_link_beyond_the_first_response_opens_and_highlights_its_node(live_server, page):
    page.goto(f"{live_server.url}/runs/run_wide/#/trace/4321/args/text")
    target = node(page, "/trace/4321/args/text")
    expect(target).to_have_class(re.compile("json-target"))
    expect(target).to_be_in_viewport()
    assert node(page, "/trace/4321/args").evaluate("el => el.open")


def test_filter_finds_a_value_outside_the_page_and_steps_through_matches(wide):
    wide.keyboard.press("/")
    expect(wide.locator("#tree-filter")).to_be_focused()
    wide.keyboard.type("message 4999")
    expect(wide.locator(".filter-count")).to_have_text("1 of 1")
    hit = node(wide, "/trace/4999/args/text")
    expect(hit).to_have_class(re.compile("json-hit"))
    expect(hit).to_be_in_viewport()
    wide.locator("#tree-filter").fill("slack.post")
    expect(wide.locator(".filter-count")).to_have_text("1 of 2,500")
    wide.keyboard.press("Enter")
    expect(wide.locator(".filter-count")).to_have_text("2 of 2,500")
    expect(node(wide, "/trace/3/tool")).to_have_class(re.compile("json-hit"))
    wide.keyboard.press("Shift+Enter")
    wide.keyboard.press("Shift+Enter")
    expect(wide.locator(".filter-count")).to_have_text("2,500 of 2,500")
    expect(node(wide, "/trace/4999/tool")).to_have_class(re.compile("json-hit"))


def test_placeholders_load_when_opened_and_more_links_load_the_next_page(wide):
    more = node(wide, "/trace").locator("> .json-children > a.json-more")
    expect(more).to_have_text("… 4,900 more")
    more.click()
    expect(node(wide, "/trace/199")).to_have_count(1)
    expect(more).to_have_text("… 4,800 more")
    placeholder = node(wide, "/trace/150")
    placeholder.locator("> summary").click()
    expect(node(wide, "/trace/150/args/text")).to_have_count(1)


def test_failed_requests_say_so_and_leave_the_link_to_try_again(wide):
    errors: list[str] = []
    wide.on("pageerror", lambda error: errors.append(str(error)))
    wide.route("**/tree?*", lambda route: route.fulfill(status=500, body="boom"))
    more = node(wide, "/trace").locator("> .json-children > a.json-more")
    more.click()
    expect(wide.locator(".viewer-status")).to_have_text("Could not load more of the record (HTTP 500).")
    expect(more).to_have_text("Could not load (HTTP 500); try again")
    wide.unroute("**/tree?*")
    more.click()
    expect(node(wide, "/trace/199")).to_have_count(1)
    wide.route("**/raw?*", lambda route: route.abort())  # no answer at all
    show_all = node(wide, "/log").locator("a.json-show-all")
    show_all.click()
    expect(wide.locator(".viewer-status")).to_have_text("Could not load the whole string (no connection).")
    wide.unroute("**/raw?*")
    show_all.click()
    expect(show_all).to_have_count(0)
    assert errors == []


def test_a_failed_search_says_so_and_enter_searches_again(wide):
    wide.route("**/search?*", lambda route: route.fulfill(status=500, body="boom"))
    wide.locator("#tree-filter").fill("message 4999")
    expect(wide.locator(".filter-count")).to_have_text("Search failed")
    expect(wide.locator(".viewer-status")).to_have_text("Could not search the record (HTTP 500).")
    wide.unroute("**/search?*")
    wide.locator("#tree-filter").press("Enter")
    expect(wide.locator(".filter-count")).to_have_text("1 of 1")
    expect(node(wide, "/trace/4999/args/text")).to_have_class(re.compile("json-hit"))


def test_expand_all_opens_what_is_loaded_and_says_what_it_left_closed(live_server, page, settings):
    settings.TREE_NODE_BUDGET = 300
    page.goto(f"{live_server.url}/runs/run_wide/")
    wide = page
    assert wide.locator("details.json-node[open]").count() < 20
    wide.get_by_role("button", name="Expand all").click()
    expect(wide.locator(".viewer-status")).to_contain_text("not loaded yet stay closed")
    assert node(wide, "/trace/0").evaluate("el => el.open")
    assert not node(wide, "/trace/99").evaluate("el => el.open")  # a placeholder


def test_depth_buttons_open_the_tree_to_that_depth(wide):
    wide.get_by_role("button", name="Open to depth 1").click()
    assert not node(wide, "/trace").evaluate("el => el.open")
    wide.get_by_role("button", name="Open to depth 2").click()
    assert node(wide, "/trace").evaluate("el => el.open")
    assert not node(wide, "/trace/0").evaluate("el => el.open")


def test_keyboard_moves_opens_and_closes(wide):
    summary = node(wide, "/trace").locator("> summary")
    summary.focus()
    wide.keyboard.press("ArrowLeft")
    assert not node(wide, "/trace").evaluate("el => el.open")
    wide.keyboard.press("ArrowRight")
    assert node(wide, "/trace").evaluate("el => el.open")
    wide.keyboard.press("ArrowDown")
    expect(node(wide, "/trace/0").locator("> summary")).to_be_focused()
    wide.keyboard.press("ArrowUp")
    expect(summary).to_be_focused()
    wide.keyboard.press("ArrowUp")
    expect(node(wide, "/log")).to_be_focused()


def test_arrow_left_on_a_closed_node_or_a_leaf_goes_to_its_parent(wide):
    node(wide, "/trace/5").locator("> summary").focus()
    wide.keyboard.press("ArrowLeft")
    expect(node(wide, "/trace").locator("> summary")).to_be_focused()
    node(wide, "/big_id").evaluate("leaf => { leaf.tabIndex = -1; leaf.focus(); }")  # as ↑/↓ do
    wide.keyboard.press("ArrowLeft")
    expect(wide.locator(".json-tree > .json-node > summary")).to_be_focused()


def test_arrow_down_from_a_closed_node_goes_to_its_next_sibling(wide):
    node(wide, "/trace/5").locator("> summary").focus()
    wide.keyboard.press("ArrowDown")
    expect(node(wide, "/trace/6").locator("> summary")).to_be_focused()
    wide.keyboard.press("ArrowUp")
    expect(node(wide, "/trace/5").locator("> summary")).to_be_focused()


def test_node_bar_shows_paths_and_copies_path_value_and_link(wide):
    node(wide, "/big_id").hover()
    bar = wide.locator(".node-bar")
    expect(bar.locator(".node-path")).to_have_text(".big_id")
    bar.get_by_role("button", name="JSON").click()
    expect(wide.locator(".viewer-status")).to_have_text("Copied the value as JSON.")
    assert wide.evaluate("navigator.clipboard.readText()") == "505874924095815681"
    node(wide, "/trace/2").locator("> summary").click()
    node(wide, "/trace/2/args").locator("> summary").click()
    node(wide, "/trace/2/args/text").hover()
    expect(bar.locator(".node-path")).to_have_text(".trace[2].args.text")
    bar.get_by_role("button", name="Path").click()
    expect(wide.locator(".viewer-status")).to_contain_text("Copied the path")
    assert wide.evaluate("navigator.clipboard.readText()") == ".trace[2].args.text"
    bar.get_by_role("button", name="Link").click()
    expect(wide.locator(".viewer-status")).to_have_text("Copied a link to this node.")
    assert wide.evaluate("navigator.clipboard.readText()").endswith("/runs/run_wide/#/trace/2/args/text")
    # On a container (its bar has the most buttons): one line, the path shown whole.
    node(wide, "/trace/2/args").locator("> summary").hover()
    expect(bar.locator(".node-path")).to_have_text(".trace[2].args")
    assert bar.locator(".node-path").evaluate("el => el.scrollWidth <= el.clientWidth")
    assert bar.evaluate("el => el.getBoundingClientRect().height") < 30


def test_keyboard_copies_the_pointer_of_the_focused_node(wide):
    node(wide, "/trace").locator("> summary").focus()
    wide.keyboard.press("p")
    expect(wide.locator(".viewer-status")).to_contain_text("Copied the pointer")
    assert wide.evaluate("navigator.clipboard.readText()") == "/trace"


def test_long_string_shows_all_on_request_keeping_line_breaks(wide):
    link = node(wide, "/log").locator("a.json-show-all")
    expect(link).to_contain_text("show all 1,260 characters")
    link.click()
    expect(link).to_have_count(0)
    text = node(wide, "/log").locator(".json-string").inner_text()
    assert text.count("line of agent output") == 60


def test_urls_are_safe_links_and_timestamps_show_relative_time(wide):
    node(wide, "/trace/0").locator("> summary").click()
    node(wide, "/trace/0/args").locator("> summary").click()
    link = node(wide, "/trace/0/args/url").locator("a")
    assert link.get_attribute("rel") == "noopener noreferrer"
    stamp = node(wide, "/trace/0/at").locator("time")
    expect(stamp).to_have_attribute("title", re.compile(r"\S"))  # set once the page is idle, or on hover
    expect(node(wide, "/trace/0/at").locator(".json-reltime")).to_have_text(re.compile(r"ago|last|year|month"))


def test_a_timestamp_hovered_before_the_page_is_idle_shows_its_times(live_server, page):
    # Timestamps are decorated once the page is idle; here it never is.
    page.add_init_script("window.requestIdleCallback = function () { return 0; };")
    page.goto(f"{live_server.url}/runs/run_wide/")
    node(page, "/trace/0").locator("> summary").click()
    leaf = node(page, "/trace/0/at")
    expect(leaf.locator(".json-reltime")).to_have_count(0)
    leaf.hover()
    expect(leaf.locator("time")).to_have_attribute("title", re.compile(r"\S"))
    expect(leaf.locator(".json-reltime")).to_have_text(re.compile(r"ago|last|year|month"))


def test_raw_view_shows_the_record_as_pretty_json(wide):
    wide.get_by_role("button", name="Raw JSON view").click()
    pre = wide.locator(".raw-view pre")
    expect(pre).to_contain_text('"id": "run_wide"')
    assert json.loads(pre.inner_text())["big_id"] == 505874924095815681
    expect(wide.locator(".json-tree")).to_be_hidden()
    wide.get_by_role("button", name="Copy all").click()
    assert wide.evaluate("navigator.clipboard.readText()").startswith('{\n  "id": "run_wide"')


def test_pages_load_nothing_from_other_hosts(live_server, page):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/runs/run_wide/")
    page.goto(f"{live_server.url}/")
    assert requested and all(url.startswith(live_server.url) for url in requested)


SAMPLE_RUN = "run_c5w9r2d6ht"  # failed, with criteria and a trace: every region of the run page


@pytest.mark.parametrize("path", [
    "/", "/runs/run_wide/", "/runs/run_missing/", f"/runs/{SAMPLE_RUN}/", f"/runs/{SAMPLE_RUN}/steps",
    f"/runs/{SAMPLE_RUN}/table?pointer=/criteria", f"/runs/{SAMPLE_RUN}/markdown?pointer=/output",
])
def test_axe_finds_no_accessibility_violations(live_server, page, served, path):
    served(SAMPLE_RUN, build_record(SAMPLE_RUN))
    page.goto(f"{live_server.url}/runs/{SAMPLE_RUN}/")  # stored, for the parts read from the stored copy
    page.goto(f"{live_server.url}{path}")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_paths_under_keys_shown_cut_short_or_escaped_come_from_the_server(live_server, page):
    record = json.loads(RECORDS["run_long_keys"])
    long_key = "k" * 400
    page.goto(f"{live_server.url}/runs/run_long_keys/")
    bar = page.locator(".node-bar")
    page.locator(node_selector(record, f"/{long_key}/inner")).hover()
    expect(bar.locator(".node-path")).to_have_text(f".{long_key}.inner")
    bar.get_by_role("button", name="Pointer").click()
    expect(page.locator(".viewer-status")).to_contain_text("Copied the pointer")
    assert page.evaluate("navigator.clipboard.readText()") == f"/{long_key}/inner"
    page.locator(node_selector(record, "/line\r\nbreak/a~1b")).hover()
    expect(bar.locator(".node-path")).to_have_text('.["line\\r\\nbreak"]["a/b"]')


def test_deep_link_through_a_key_shown_cut_short(live_server, page):
    record = json.loads(RECORDS["run_long_keys"])
    page.goto(f"{live_server.url}/runs/run_long_keys/#/{'k' * 400}/inner")
    expect(page.locator(node_selector(record, f"/{'k' * 400}/inner"))).to_have_class(re.compile("json-target"))


def test_copying_a_link_through_a_key_no_link_can_carry_says_so(live_server, page):
    record = json.loads(RECORDS["run_long_keys"])
    page.goto(f"{live_server.url}/runs/run_long_keys/")
    page.locator(node_selector(record, "/lone \ud800/x")).hover()
    page.locator(".node-bar").get_by_role("button", name="Link").click()
    expect(page.locator(".viewer-status")).to_have_text("This node’s path holds a character no link can carry.")


def test_deep_link_too_far_down_for_one_response_loads_the_way_in_steps(live_server, page, settings):
    settings.TREE_BYTE_BUDGET = 4000  # a few levels of the way a response
    record = json.loads(RECORDS["run_deep_chain"])
    pointer = "/next" * 60 + "/z"
    regions = []
    page.on("request", lambda request: regions.append(request.url) if "focus=" in request.url else None)
    page.goto(f"{live_server.url}/runs/run_deep_chain/#{pointer}")
    expect(page.locator(node_selector(record, pointer))).to_have_class(re.compile("json-target"))
    assert len(regions) > 1


def expected_jq(key: str) -> str:
    """The jq path tree.js writes for ["in"][1]["3"] under `key`."""
    head = f".{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f".[{json.dumps(key, ensure_ascii=False)}]"
    return head + '.in[1]["3"]'


def test_paths_and_links_are_right_for_awkward_keys(live_server, page):
    record = json.loads(RECORDS["run_awkward_keys"])
    page.goto(f"{live_server.url}/runs/run_awkward_keys/")
    page.get_by_role("button", name="Expand all").click()
    bar = page.locator(".node-bar")
    for key in AWKWARD_KEYS:
        pointer = json_pointer(json_pointer(json_pointer(json_pointer("", key), "in"), 1), "3")
        page.locator(node_selector(record, pointer)).hover()
        expect(bar.locator(".node-path")).to_have_text(expected_jq(key))
        assert bar.locator(".node-pointer").text_content() == pointer  # exactly: no whitespace folded
    # A copied link opens its node, for keys with characters a link must encode.
    for key in ["/", "a\r\nb", "?x=1", "#", "%2F"]:
        pointer = json_pointer(json_pointer(json_pointer(json_pointer("", key), "in"), 1), "3")
        page.locator(node_selector(record, pointer)).hover()
        bar.get_by_role("button", name="Link").click()
        expect(page.locator(".viewer-status")).to_have_text("Copied a link to this node.")
        page.goto(page.evaluate("navigator.clipboard.readText()"))
        expect(page.locator(node_selector(record, pointer))).to_have_class(re.compile("json-target"))
        page.locator(".viewer-status").evaluate("status => { status.textContent = ''; }")
