"""LOOKUPS_PER_MINUTE: lookups per user, or per address when signed out; past it a 429 page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from runs.models import Lookup
from tests.conftest import detail_url, in_threads
from tests.shared_cache import own_cache_keys  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.shared_state, pytest.mark.usefixtures("own_cache_keys")]


@pytest.fixture(autouse=True)
def every_lookup_calls_archal(settings):
    settings.RUN_CACHE_SECONDS = 0  # answers from a recent copy are not throttled


@pytest.fixture(autouse=True)
def three_a_minute(settings):
    settings.LOOKUPS_PER_MINUTE = 3


def test_lookup_past_the_limit_gets_a_429_page_and_calls_nobody(client, archal):
    for run_id in ["run_small", "run_missing", "run_small"]:
        assert client.get(detail_url(run_id)).status_code in {200, 404}
    response = client.get(detail_url("run_hostile"))
    assert response.status_code == 429
    assert response.templates[0].name == "runs/error.html"
    html = response.content.decode()
    assert "Too many lookups" in html
    assert "at most 3 runs a minute per address" in html
    assert 'name="run_id"' in html and 'value="run_hostile"' in html  # the form, filled in
    assert 1 <= int(response["Retry-After"]) <= 60
    assert f"Try again in {response['Retry-After']} second" in html
    assert len(archal.requests) == 3
    assert Lookup.objects.count() == 3


def test_raw_json_counts_and_is_throttled_too(client):
    for _ in range(3):
        assert client.get(reverse("runs:raw", kwargs={"run_id": "run_small"})).status_code == 200
    assert client.get(reverse("runs:raw", kwargs={"run_id": "run_small"})).status_code == 429


def test_retry_after_is_when_the_oldest_counted_lookup_leaves_the_minute(client):
    for _ in range(3):
        client.get(detail_url("run_small"))
    oldest = Lookup.objects.order_by("id").first()
    Lookup.objects.filter(pk=oldest.pk).update(looked_up_at=timezone.now() - timedelta(seconds=50))
    retry_after = int(client.get(detail_url("run_small"))["Retry-After"])
    assert 9 <= retry_after <= 11


def test_lookups_older_than_a_minute_do_not_count(client):
    for _ in range(3):
        client.get(detail_url("run_small"))
    Lookup.objects.update(looked_up_at=timezone.now() - timedelta(seconds=61))
    assert client.get(detail_url("run_small")).status_code == 200


def test_zero_turns_the_throttle_off(client, settings):
    settings.LOOKUPS_PER_MINUTE = 0
    for _ in range(5):
        assert client.get(detail_url("run_small")).status_code == 200


def test_signed_out_clients_are_counted_per_address(client):
    for _ in range(3):
        client.get(detail_url("run_small"), headers={"X-Forwarded-For": "203.0.113.7"})
    blocked = client.get(detail_url("run_small"), headers={"X-Forwarded-For": "203.0.113.7"})
    assert blocked.status_code == 429
    other = client.get(detail_url("run_small"), headers={"X-Forwarded-For": "198.51.100.2"})
    assert other.status_code == 200
    assert set(Lookup.objects.values_list("client_address", flat=True)) == {"203.0.113.7", "198.51.100.2"}


def test_signed_in_users_are_counted_per_user_wherever_they_are(client, settings, django_user_model):
    settings.REQUIRE_LOGIN = True
    alice = django_user_model.objects.create_user("alice")
    bob = django_user_model.objects.create_user("bob")
    client.force_login(alice)
    for index in range(3):  # a new address each time does not reset her count
        client.get(detail_url("run_small"), headers={"X-Forwarded-For": f"203.0.113.{index}"})
    blocked = client.get(detail_url("run_small"), headers={"X-Forwarded-For": "203.0.113.99"})
    assert blocked.status_code == 429
    assert "a minute per person" in blocked.content.decode()
    client.force_login(bob)  # from the same address as alice
    assert client.get(detail_url("run_small"), headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_racing_lookups_get_exactly_the_limit_of_fetches(archal, settings):
    # Each fetch takes 0.3 s: with lookups counted when they finish, all 30 would pass the check.
    settings.LOOKUPS_PER_MINUTE = 5
    for number in range(30):
        archal.overrides[f"race_{number}"] = "fault-slow-ok"
    statuses = in_threads(30, lambda number: Client().get(detail_url(f"race_{number}")).status_code, race=True)
    assert sorted(statuses) == [200] * 5 + [429] * 25
    assert len(archal.requests) == 5
    assert Lookup.objects.count() == 5


def test_reloading_a_recent_copy_adds_no_rows_and_cannot_push_lookups_out_of_the_table(client, settings):
    settings.RUN_CACHE_SECONDS = 300  # reloads are answered from the recent copy
    settings.LOOKUPS_KEPT = 5
    for run_id in ["run_small", "run_wide", "run_hostile"]:
        assert client.get(detail_url(run_id)).status_code == 200  # three fetches: the minute's limit
    for _ in range(40):
        for run_id in ["run_small", "run_wide", "run_hostile"]:
            client.get(detail_url(run_id))
    rows = list(Lookup.objects.order_by("id").values_list("run_id", "outcome", "views"))
    assert rows == [  # one row a run for 40 reloads; over LOOKUPS_KEPT, yet the minute's fetches stay
        ("run_small", "found", 1), ("run_wide", "found", 1), ("run_hostile", "found", 1),
        ("run_small", "recent_copy", 40), ("run_wide", "recent_copy", 40), ("run_hostile", "recent_copy", 40),
    ]
    assert client.get(detail_url("run_missing")).status_code == 429  # the limit still holds
