"""Security headers on every response, and pages the Content-Security-Policy cannot break."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import assert_security_headers

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/runs/run_small/", 200),
        ("/runs/run_small/raw", 200),
        ("/runs/?run_id=run_small", 302),
        ("/runs/?run_id=a%2Fb", 400),
        ("/runs/run_missing/", 404),
        ("/runs/fault-500-json/", 502),
        ("/no/such/page", 404),
        ("/healthz", 200),
        ("/accounts/login/", 200),
        ("/admin/login/", 200),
    ],
)
def test_every_response_carries_the_security_headers(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert_security_headers(response)


def test_sign_in_redirect_and_throttle_page_carry_them_too(client, settings):
    settings.REQUIRE_LOGIN = True
    response = client.get("/runs/run_small/")
    assert response.status_code == 302
    assert_security_headers(response)
    settings.REQUIRE_LOGIN = False
    settings.LOOKUPS_PER_MINUTE = 1
    settings.RUN_CACHE_SECONDS = 0  # only lookups that call Archal are throttled
    client.get("/runs/run_small/")
    throttled = client.get("/runs/run_small/")
    assert throttled.status_code == 429
    assert_security_headers(throttled)


@pytest.mark.urls("tests.boom_urls")
def test_the_500_page_carries_them_too():
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert_security_headers(response)


class InlineCodeFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{name}= on <{tag}>" for name in names if name == "style" or name.startswith("on")]
        if any((value or "").strip().lower().startswith("javascript:") for _, value in attrs):
            self.found.append(f"javascript: URL on <{tag}>")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.found


def test_the_finder_finds_what_the_policy_blocks():
    assert len(inline_code('<script>x()</script><p style="a" onclick="b()"><a href="javascript:c()">')) == 4
    assert inline_code('<script src="/static/tree.js" defer></script><p class="x">') == []


@pytest.mark.parametrize("template", sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")))
def test_no_template_has_inline_script_style_or_handler(template):
    assert inline_code((TEMPLATES / template).read_text()) == []


def test_rendered_pages_have_no_inline_script_style_or_handler(client, django_user_model):
    assert inline_code(client.get(reverse("login")).content.decode()) == []
    client.force_login(django_user_model.objects.create_superuser("root"))
    pages = ["/", "/runs/run_small/", "/runs/run_hostile/", "/runs/run_missing/", "/no/such/page",
             "/admin/", "/admin/runs/lookup/", "/admin/auth/user/add/"]
    for path in pages:
        response = client.get(path)
        assert response.status_code in {200, 404}, path
        assert inline_code(response.content.decode()) == [], path
