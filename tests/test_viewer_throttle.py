"""VIEWER_REQUESTS_PER_MINUTE: requests for parts of stored records per user (per address
when signed out); past it a 429 with Retry-After, JSON to tree.js's fetches."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from runs import shared
from tests.conftest import detail_url, in_threads
from tests.shared_cache import own_cache_keys  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.shared_state, pytest.mark.usefixtures("own_cache_keys")]

# Every part of run_small a viewer asks for (its trace is at positions 4, "passed" at 1).
PARTS = {
    "tree fragment": ("tree", {"at": "", "fragment": "1"}),
    "tree count": ("tree", {"at": "", "count": "100"}),
    "subtree page": ("tree", {"at": "4"}),
    "search": ("search", {"q": "github"}),
    "locate": ("locate", {"pointer": "/trace/0"}),
    "markdown": ("markdown", {"at": "1", "fragment": "1"}),
    "raw subtree": ("raw", {"at": "4", "pretty": "1"}),
    "steps": ("steps", {}),
    "steps as JSON": ("steps", {"format": "json"}),
    "table": ("table", {"at": "4"}),
}
FETCHED = {"tree fragment", "tree count", "search", "locate", "markdown", "steps as JSON"}


def part_url(part: str, run_id: str = "run_small") -> str:
    return reverse(f"runs:{part}", kwargs={"run_id": run_id})


@pytest.fixture(autouse=True)
def three_a_minute(settings):
    settings.VIEWER_REQUESTS_PER_MINUTE = 3
    settings.LOOKUPS_PER_MINUTE = 0  # run pages and whole records are the lookup limit's


@pytest.fixture
def stored(client):
    """run_small looked up once, so its record is stored (the run page is not counted here)."""
    assert client.get(detail_url("run_small")).status_code == 200
    return client


@pytest.mark.parametrize("kind", PARTS)
def test_each_part_is_counted_and_the_one_past_the_limit_gets_a_429(stored, kind):
    part, params = PARTS[kind]
    for _ in range(3):
        assert stored.get(part_url(part), params).status_code == 200
    refused = stored.get(part_url(part), params)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    if kind in FETCHED:  # a fetch of tree.js or a script: JSON it can read
        assert refused.json() == {
            "error": "This dashboard answers at most 3 requests for parts of records a minute per address, "
            "so that no one keeps it busy for everyone else."
        }
    else:  # a page someone opened: the error page, with the lookup form
        assert refused.templates[0].name == "runs/error.html"
        html = refused.content.decode()
        assert "Too many requests" in html
        assert f"Try again in {refused['Retry-After']} second" in html


def test_all_parts_share_one_count(stored):
    for kind in ["tree fragment", "search", "steps"]:
        part, params = PARTS[kind]
        assert stored.get(part_url(part), params).status_code == 200
    assert stored.get(part_url("locate"), {"at": "4"}).status_code == 429


def test_the_run_page_and_the_whole_record_are_not_counted(stored):
    for _ in range(3):
        stored.get(part_url("tree"), {"at": "", "fragment": "1"})
    assert stored.get(detail_url("run_small")).status_code == 200
    assert stored.get(part_url("raw")).status_code == 200
    assert stored.get(part_url("raw"), {"download": "1"}).status_code == 200


def test_zero_turns_the_limit_off(stored, settings):
    settings.VIEWER_REQUESTS_PER_MINUTE = 0
    for _ in range(10):
        assert stored.get(part_url("tree"), {"at": "", "fragment": "1"}).status_code == 200


def test_signed_out_clients_are_counted_per_address(stored):
    fragment = {"at": "", "fragment": "1"}
    for _ in range(3):
        stored.get(part_url("tree"), fragment, headers={"X-Forwarded-For": "203.0.113.7"})
    assert stored.get(part_url("tree"), fragment, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    assert stored.get(part_url("tree"), fragment, headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200


def test_signed_in_users_are_counted_per_user_wherever_they_are(stored, settings, django_user_model):
    settings.REQUIRE_LOGIN = True
    alice = django_user_model.objects.create_user("alice")
    bob = django_user_model.objects.create_user("bob")
    stored.force_login(alice)
    fragment = {"at": "", "fragment": "1"}
    for index in range(3):  # a new address each time does not reset her count
        stored.get(part_url("tree"), fragment, headers={"X-Forwarded-For": f"203.0.113.{index}"})
    refused = stored.get(part_url("tree"), fragment, headers={"X-Forwarded-For": "203.0.113.99"})
    assert refused.status_code == 429
    assert "a minute per person" in refused.json()["error"]
    stored.force_login(bob)  # from the same address as alice
    assert stored.get(part_url("tree"), fragment, headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 200


def test_retry_after_is_when_the_minute_that_began_with_the_first_request_ends(stored):
    fragment = {"at": "", "fragment": "1"}
    for _ in range(3):
        stored.get(part_url("tree"), fragment)
    counter = shared.key("count", "viewer:address:127.0.0.1")
    start, counted = cache.get(counter)
    assert counted == 3
    cache.set(counter, (start - 50, counted))  # the minute began 50 s earlier
    assert 9 <= int(stored.get(part_url("tree"), fragment)["Retry-After"]) <= 11
    cache.set(counter, (start - 61, counted))  # ... and has ended: a new one begins
    assert stored.get(part_url("tree"), fragment).status_code == 200
    assert cache.get(counter)[1] == 1


@pytest.mark.django_db(transaction=True)
def test_racing_requests_get_exactly_the_limit_through(settings):
    settings.VIEWER_REQUESTS_PER_MINUTE = 5
    assert Client().get(detail_url("run_small")).status_code == 200
    fragment = {"at": "", "fragment": "1"}
    statuses = in_threads(30, lambda _: Client().get(part_url("tree"), fragment).status_code, race=True)
    assert sorted(statuses) == [200] * 5 + [429] * 25


def test_a_cache_that_does_not_answer_refuses_nothing(stored, settings, caplog):
    # Nothing listens on port 1: every call fails as it would with Redis down.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    for _ in range(5):
        assert stored.get(part_url("tree"), {"at": "", "fragment": "1"}).status_code == 200
    assert "shared cache failed to count an event" in caplog.text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_viewer_says_in_its_status_line_when_to_try_again(live_server, page, settings):
    settings.VIEWER_REQUESTS_PER_MINUTE = 1
    page.goto(f"{live_server.url}/runs/run_wide/")  # the run page itself is not counted
    page.locator("#tree-filter").fill("no such text anywhere")
    expect(page.locator(".filter-count")).to_have_text("No matches")  # the one request of the minute
    page.locator("#tree-filter").fill("still nothing")
    expect(page.locator(".filter-count")).to_have_text("Search failed")
    expect(page.locator(".viewer-status")).to_have_text(
        re.compile(r"Could not search the record \(too many requests; try again in \d+ s\)\.")
    )
