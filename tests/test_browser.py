"""The run page in a real Chromium, driven by Playwright."""

from __future__ import annotations

import os

import pytest

from tests.conftest import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Playwright's sync API runs an event loop in this thread; Django's ORM is
# still called synchronously from the test, which is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


def test_tree_opens_and_closes_with_and_without_the_toolbar(live_server, page):
    page.goto(f"{live_server.url}/runs/run_small/")
    trace = page.locator('details[data-path="/trace"]')
    step = page.locator('details[data-path="/trace/0"]')
    assert trace.get_attribute("open") is not None
    assert not step.evaluate("node => node.open")
    page.locator('details[data-path="/trace/0"] > summary').click()
    assert step.evaluate("node => node.open")
    page.get_by_role("button", name="Collapse all").click()
    assert not trace.evaluate("node => node.open")
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
