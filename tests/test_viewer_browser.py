"""The run viewer in a real Chromium: lazy parts, filter, deep links, paths, keyboard."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

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
    head = f".{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f".[{jq_string(key)}]"
    return head + '.in[1]["3"]'


def jq_string(key: str) -> str:
    """`key` as tree.js writes it in a jq path: a JSON string, with ' as \\u0027."""
    return json.dumps(key, ensure_ascii=False).replace("'", "\\u0027")


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


SHELL_KEY = "x'$(touch pwned)'"


def bracketed_keys(jq: str) -> list[str]:
    """The keys a jq path names in brackets (.["…"]), each read back as the JSON string it is."""
    return [json.loads(literal) for literal in re.findall(r'\[("(?:[^"\\]|\\.)*")\]', jq)]


def test_a_copied_jq_path_is_safe_inside_single_quotes_in_a_shell(live_server, page, served, tmp_path):
    long_key = "'" + "k" * 400 + "'$(touch pwned)'"  # shown cut short: its path comes from the server's pointer
    record = {SHELL_KEY: {"v": "issue 14", "it's": [0, {"'": "short"}]}, long_key: {"v": "long"}}
    served("run_shell_keys", record)
    (tmp_path / "run.json").write_text(json.dumps(record))
    page.goto(f"{live_server.url}/runs/run_shell_keys/")
    page.get_by_role("button", name="Expand all").click()
    bar = page.locator(".node-bar")
    for pointer, keys, value in [
        (json_pointer("", SHELL_KEY) + "/v", [SHELL_KEY], "issue 14"),
        (json_pointer("", SHELL_KEY) + "/it's/1/'", [SHELL_KEY, "it's", "'"], "short"),
        (json_pointer("", long_key) + "/v", [long_key], "long"),
    ]:
        page.locator(node_selector(record, pointer)).hover()
        bar.get_by_role("button", name="Path").click()
        expect(page.locator(".viewer-status")).to_contain_text("Copied the path")
        jq = page.evaluate("navigator.clipboard.readText()")
        expect(bar.locator(".node-path")).to_have_text(jq)
        assert "'" not in jq, jq  # the one character that ends a single-quoted shell word
        assert bracketed_keys(jq) == keys
        # Pasted as people do: jq '<path>' run.json (printf where jq is not installed).
        command = f"jq -c '{jq}' run.json" if shutil.which("jq") else f"printf %s '{jq}'"
        shell = subprocess.run(["sh", "-c", command], cwd=tmp_path, capture_output=True, text=True, check=True)
        assert not (tmp_path / "pwned").exists()
        assert shell.stdout == (json.dumps(value) + "\n" if shutil.which("jq") else jq)
        page.locator(".viewer-status").evaluate("status => { status.textContent = ''; }")


# --- Expand all fetches what is not loaded, up to 10,000 nodes --------------------


def steps_record(steps: int) -> dict:
    """A trace of `steps` steps of 5 keys: 6 nodes a step."""
    return {"trace": [{"step": i, "tool": "slack.post", "ok": True, "ms": i * 7, "note": f"n{i}"} for i in range(steps)]}


def open_logging_fragments(live_server, page, served, run_id: str, record: dict) -> list[str]:
    """Open the run page of `record`; the list fills with the URLs of the tree fragments it asks for."""
    served(run_id, record)
    fragments: list[str] = []
    page.on("request", lambda request: fragments.append(request.url) if "fragment=1" in request.url else None)
    page.goto(f"{live_server.url}/runs/{run_id}/")
    return fragments


def test_expand_all_loads_and_opens_every_node_of_a_record_under_10000_nodes(live_server, page, served):
    record = steps_record(1500)  # 9,001 nodes
    fragments = open_logging_fragments(live_server, page, served, "run_nine_thousand", record)
    assert page.locator("a.json-more").count() > 0
    started = page.evaluate("performance.now()")
    page.get_by_role("button", name="Expand all").click()
    expect(page.locator(".viewer-status")).to_have_text("Opened all 9,001 nodes.", timeout=30_000)
    elapsed = page.evaluate("performance.now()") - started
    print(f"Expand all on 9,001 nodes: {elapsed:.0f} ms, {len(fragments)} requests")
    assert page.locator("a.json-more").count() == 0
    assert page.locator("details.json-node:not([open])").count() == 0
    assert page.locator(".json-tree .json-node, .json-tree .json-leaf").count() == 9001 + 1  # and the root
    expect(page.locator(node_selector(record, "/trace/1499/note"))).to_have_text('note"n1499"')
    assert len(fragments) <= 20  # pages of 100 steps, not one request a node


def test_expand_all_beyond_10000_nodes_opens_what_is_loaded_and_says_what_stayed_closed(live_server, page, served):
    record = steps_record(4000)  # 24,001 nodes
    fragments = open_logging_fragments(live_server, page, served, "run_twenty_thousand", record)
    page.get_by_role("button", name="Expand all").click()
    expect(page.locator(".viewer-status")).to_have_text(
        re.compile(r"The record holds more than 10,000 nodes: opened the [\d,]+ loaded nodes; "
                   r"3,900 entries not loaded yet stay closed \(open one to load it\)\.")
    )
    assert fragments == []  # decided before fetching anything
    assert page.locator(node_selector(record, "/trace/99")).evaluate("el => el.open")
    expect(page.locator(node_selector(record, "/trace")).locator("> .json-children > a.json-more")).to_have_text("… 3,900 more")


def test_the_node_bar_expand_loads_and_opens_its_subtree_under_the_same_rule(live_server, page, served, settings):
    settings.TREE_NODE_BUDGET = 150  # steps beyond the first few dozen are placeholders
    record = {"trace": [{"step": i, "args": {"text": f"t{i}", "tags": ["a", "b"]}} for i in range(3000)]}
    served("run_subtrees", record)
    page.goto(f"{live_server.url}/runs/run_subtrees/")
    step = page.locator(node_selector(record, "/trace/90"))
    expect(step.locator("> .json-children > a.json-more")).to_have_count(1)  # a placeholder
    step.locator("> summary").hover()
    bar = page.locator(".node-bar")
    bar.get_by_role("button", name="Expand this subtree").click()
    expect(page.locator(".viewer-status")).to_have_text("Opened all 6 nodes.")
    expect(page.locator(node_selector(record, "/trace/90/args/tags/1"))).to_have_text('1"b"')
    assert step.locator("a.json-more").count() == 0
    assert step.locator("details.json-node:not([open])").count() == 0
    page.locator(node_selector(record, "/trace")).locator("> summary").hover()
    bar.get_by_role("button", name="Expand this subtree").click()
    expect(page.locator(".viewer-status")).to_contain_text("This node holds more than 10,000 nodes: opened the")


def test_a_failed_load_during_expand_all_says_so_and_expanding_again_tries_again(live_server, page, served):
    record = steps_record(300)
    served("run_flaky", record)
    page.goto(f"{live_server.url}/runs/run_flaky/")
    page.route("**/tree?*fragment=1*", lambda route: route.fulfill(status=500, body="boom"))
    page.get_by_role("button", name="Expand all").click()
    expect(page.locator(".viewer-status")).to_have_text(
        "Could not load all of it (HTTP 500); opened what is loaded. Expand again to try again."
    )
    page.unroute("**/tree?*fragment=1*")
    page.get_by_role("button", name="Expand all").click()
    expect(page.locator(".viewer-status")).to_have_text("Opened all 1,801 nodes.")
    assert page.locator("a.json-more").count() == 0


# --- Values shown another way, in place --------------------------------------------

REPORT = "### Refund processed\n\n- **Customer:** Søren\n- <script>alert('md')</script>\n\n`re_123`"


def test_rendered_markdown_shows_in_place_and_raw_hides_it(live_server, page, served):
    record = {"id": "run_md", "output": REPORT}
    served("run_md_browser", record)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/runs/run_md_browser/")
    link = page.locator(node_selector(record, "/output")).locator("a.json-markdown")
    expect(link).to_have_attribute("aria-expanded", "false")
    link.click()
    expect(link).to_have_text("Raw")
    expect(link).to_have_attribute("aria-expanded", "true")
    rendered = page.locator("#" + link.get_attribute("aria-controls"))
    expect(rendered.locator("h2")).to_have_text("Refund processed")
    expect(rendered.locator("strong")).to_have_text("Customer:")
    assert rendered.locator("script").count() == 0
    expect(rendered).to_contain_text("<script>alert('md')</script>")  # shown as text
    assert page.url.endswith("/runs/run_md_browser/")  # in place, not the page
    link.click()
    expect(rendered).to_be_hidden()
    expect(link).to_have_text("Rendered")
    expect(link).to_have_attribute("aria-expanded", "false")
    link.click()
    expect(rendered).to_be_visible()
    assert errors == []


def test_json_in_a_string_opens_as_a_tree_in_place(live_server, page, served):
    body = json.dumps({"ok": True, "items": [{"id": i, "name": f"<img src=x onerror=alert({i})>"} for i in range(150)]})
    record = {"id": "run_body", "trace": [{"response": {"status": 200, "body": body}}]}
    served("run_body_browser", record)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/runs/run_body_browser/")
    page.get_by_role("button", name="Open to depth 3").click()
    page.get_by_role("button", name="Expand all").click()
    leaf = page.locator(node_selector(record, "/trace/0/response/body"))
    expect(leaf).to_have_class("json-leaf")  # Expand all leaves strings as strings
    leaf.get_by_role("link", name="Open as JSON").click()
    items = page.locator(node_selector(record, "/trace/0/response/body") + ' > .json-children > [data-i="1"]')
    expect(items.locator("> summary")).to_contain_text("items")
    expect(page.locator(node_selector(record, "/trace/0/response/body"))).to_have_class(re.compile("json-embedded-node"))
    assert page.locator(".json-tree img").count() == 0
    # A "more" link inside goes on from the string's positions.
    more = items.locator("> .json-children > a.json-more")
    expect(more).to_have_text("… 50 more")
    more.click()
    name = items.locator('> .json-children > [data-i="149"] > .json-children > [data-i="1"]')
    expect(name).to_contain_text("<img src=x onerror=alert(149)>")
    # Paths on hover and copy buttons: the pointer goes on through the string, jq parses it.
    items.locator('> .json-children > [data-i="149"]').evaluate("el => { el.open = true; }")
    name.hover(position={"x": 4, "y": 4})  # the bar, wide with this path, covers the row's middle
    bar = page.locator(".node-bar")
    expect(bar.locator(".node-path")).to_have_text("(.trace[0].response.body | fromjson).items[149].name")
    bar.get_by_role("button", name="Pointer").click()
    assert page.evaluate("navigator.clipboard.readText()") == "/trace/0/response/body/items/149/name"
    bar.get_by_role("button", name="JSON").click()
    expect(page.locator(".viewer-status")).to_have_text("Copied the value as JSON.")
    assert json.loads(page.evaluate("navigator.clipboard.readText()")) == "<img src=x onerror=alert(149)>"
    # Keyboard: into the opened string and back out.
    summary = page.locator(node_selector(record, "/trace/0/response/body")).locator("> summary")
    summary.focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator(node_selector(record, "/trace/0/response/body") + ' > .json-children > [data-i="0"]')).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(summary).to_be_focused()
    assert errors == []


def test_a_deep_link_through_a_string_holding_json_opens_the_way(live_server, page, served):
    body = json.dumps({"items": [{"name": f"n{i}"} for i in range(150)]})
    record = {"trace": [{"response": {"body": body}}]}
    served("run_body_link", record)
    page.goto(f"{live_server.url}/runs/run_body_link/#/trace/0/response/body/items/120/name")
    target = page.locator(node_selector(record, "/trace/0/response/body") + ' > .json-children > [data-i="0"]'
                          ' > .json-children > [data-i="120"] > .json-children > [data-i="0"]')
    expect(target).to_have_class(re.compile("json-target"))
    expect(target).to_be_in_viewport()


def test_a_string_that_only_looks_like_json_says_so_and_stays_a_string(live_server, page, served):
    record = {"id": "run_fake", "body": "{this is not json}"}
    served("run_fake_json", record)
    page.goto(f"{live_server.url}/runs/run_fake_json/")
    leaf = page.locator(node_selector(record, "/body"))
    leaf.get_by_role("link", name="Open as JSON").click()
    expect(page.locator(".viewer-status")).to_have_text("That string is not JSON holding an object or array; it stays a string.")
    expect(leaf.get_by_role("link", name="Open as JSON")).to_have_count(0)
    expect(leaf).to_contain_text('"{this is not json}"')


# --- Touch targets --------------------------------------------------------------------


@pytest.mark.parametrize("width", [375, 1280])
def test_touch_targets_on_the_run_page_are_24_px_or_24_px_apart(live_server, page, served, width):
    served(SAMPLE_RUN, build_record(SAMPLE_RUN))
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/runs/{SAMPLE_RUN}/")
    # The node bar shown, on a container (its most buttons).
    page.locator(".json-tree > .json-node > .json-children > details.json-node > summary").first.hover(
        position={"x": 4, "y": 4}, force=True  # on a phone the bar covers the row it is about
    )
    expect(page.locator(".node-bar")).to_be_visible()
    results = Axe().run(page, options={"runOnly": {"type": "rule", "values": ["target-size"]}})
    assert results.violations_count == 0, results.generate_report()
