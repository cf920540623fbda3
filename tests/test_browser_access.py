"""Sign-in, sign-out and the Content-Security-Policy in a real Chromium."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Playwright's sync API runs an event loop in this thread; Django's ORM is
# still called synchronously from the test, which is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from tests.conftest import CHROMIUM

    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture
def violations(page: Page) -> list[str]:
    """What Chromium refused because of the Content-Security-Policy, and script errors."""
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: found.append(f"script error: {error}"))
    return found


def sign_in(page: Page, username: str, password: str, button: str = "Sign in") -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=button).click()


def test_shared_link_signs_in_then_shows_the_run_and_signs_out(live_server, page, settings,
                                                                django_user_model, violations):
    settings.REQUIRE_LOGIN = True
    django_user_model.objects.create_user("alice", password=PASSWORD)
    page.goto(f"{live_server.url}/runs/run_small/")
    expect(page.locator("h1")).to_have_text("Sign in")
    sign_in(page, "alice", "wrong")
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    sign_in(page, "alice", PASSWORD)
    page.wait_for_url(f"{live_server.url}/runs/run_small/")
    expect(page.locator("h1")).to_have_text("run_small")
    expect(page.locator(".signed-in-as")).to_have_text("Signed in as alice")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("h1")).to_have_text("Sign in")
    page.goto(f"{live_server.url}/runs/run_small/")
    expect(page.locator("h1")).to_have_text("Sign in")
    assert violations == []


def test_the_violation_watch_sees_a_blocked_inline_script(live_server, page, violations):
    """The control for the test below: an inline script is refused, and seen."""
    page.goto(f"{live_server.url}/")
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.inlineRan = true';
        document.head.appendChild(script);
    }""")
    expect(page.locator("h1")).to_have_text("Look up a run")
    assert page.evaluate("window.inlineRan === undefined")
    assert any("inline script violates" in text for text in violations), violations


def test_the_admin_works_under_the_content_security_policy(live_server, page, django_user_model, violations):
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    sign_in(page, "root", PASSWORD, button="Log in")  # the admin's own sign-in page
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(f"{live_server.url}/runs/run_small/")  # a lookup, so the lookup list has a row
    expect(page.locator("h1")).to_have_text("run_small")
    for path in ["/admin/runs/lookup/", "/admin/runs/signinfailure/", "/admin/auth/user/add/",
                 f"/admin/auth/user/{root.pk}/change/"]:
        page.goto(live_server.url + path)
        expect(page.locator("#content h1")).to_be_visible()
    # The admin's JavaScript ran: the two-box permissions chooser exists only through it.
    expect(page.locator("#id_user_permissions_filter")).to_be_visible()
    page.goto(f"{live_server.url}/admin/runs/lookup/")
    page.locator("#action-toggle").check()  # the select-all box, another script
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    assert violations == []
