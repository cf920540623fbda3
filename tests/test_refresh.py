"""The run page's Refresh spends a lookup, so only the page itself can ask for one: a POST with
the CSRF token, answered by a redirect back to the page (issue 14). A link cannot."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import detail_url
from tests.shared_cache import own_cache_keys  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.shared_state, pytest.mark.usefixtures("own_cache_keys")]

RUN = detail_url("run_small")


def calls(archal) -> int:
    """How many times the local Archal was asked for a run."""
    return len(archal.requests)


def refresh_token(html: str) -> str:
    """The CSRF token in the page's Refresh form."""
    match = re.search(r'<form id="refresh-run"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no Refresh form with a CSRF token on the page"
    return match.group(1)


@pytest.fixture
def browser_like() -> Client:
    """A client that, like a browser, is held to the CSRF check."""
    return Client(enforce_csrf_checks=True)


def test_a_link_with_refresh_in_its_query_asks_archal_nothing(client, archal):
    client.get(RUN)
    assert client.get(RUN, {"refresh": "1"}).status_code == 200
    assert client.get(reverse("runs:raw", kwargs={"run_id": "run_small"}), {"refresh": "1"}).status_code == 200
    assert calls(archal) == 1


def test_the_page_refreshes_with_a_form_that_posts_its_token(client):
    html = client.get(RUN).content.decode()
    assert f'<form id="refresh-run" action="{RUN}" method="post" hidden>' in html
    assert refresh_token(html)
    assert '<button type="submit" form="refresh-run" class="link-button">Refresh</button>' in html
    assert "refresh=1" not in html


def test_refresh_without_the_token_is_refused_and_asks_archal_nothing(browser_like, archal):
    browser_like.get(RUN)
    response = browser_like.post(RUN)  # what another site's form would send: no token
    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()
    assert calls(archal) == 1


def test_refresh_with_the_token_asks_archal_and_sends_the_browser_back_to_the_page(browser_like, archal, monkeypatch):
    token = refresh_token(browser_like.get(RUN).content.decode())
    changed = {**json.loads(archal.records["run_small"]), "status": "changed-since-the-page-was-shown"}
    monkeypatch.setitem(archal.records, "run_small", json.dumps(changed).encode())
    response = browser_like.post(RUN, {"csrfmiddlewaretoken": token})
    assert response.status_code == 303  # the browser GETs the page: reloading it posts nothing
    assert response["Location"] == RUN
    assert calls(archal) == 2
    page = browser_like.get(response["Location"])
    assert "changed-since-the-page-was-shown" in page.content.decode()
    assert calls(archal) == 2  # the page shows the copy the refresh stored


def test_a_refused_refresh_shows_the_429_page(client, archal, settings):
    settings.LOOKUPS_PER_MINUTE = 1
    client.get(RUN)
    response = client.post(RUN)
    assert response.status_code == 429
    assert response.templates[0].name == "runs/error.html"
    assert "Too many lookups" in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 60
    assert calls(archal) == 1


def test_a_refresh_archal_fails_shows_the_stored_copy_at_once(client, archal):
    client.get(RUN)
    archal.overrides["run_small"] = "fault-status-503-html"
    response = client.post(RUN)
    # Not a redirect: the page it led to would ask Archal again for the same failure.
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="stale-banner"' in html and "HTTP 503" in html
    assert '<button type="submit" form="refresh-run" class="link-button">Try Archal again</button>' in html
    assert calls(archal) == 2


def test_with_no_recent_copies_refresh_leaves_the_asking_to_the_page(client, archal, settings):
    settings.RUN_CACHE_SECONDS = 0  # every view asks Archal
    response = client.post(RUN)
    assert response.status_code == 303
    assert calls(archal) == 0
    assert client.get(response["Location"]).status_code == 200
    assert calls(archal) == 1  # one lookup for one click
