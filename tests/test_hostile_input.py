"""Hostile run IDs, through the form and through the link: one encoded segment upstream, or a 400."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from runs.models import Lookup

pytestmark = pytest.mark.django_db

# ID -> the path Archal must receive: always exactly one percent-encoded segment.
ACCEPTED = {
    "...": "/api/runs/...",
    "..x": "/api/runs/..x",
    "%2e%2e": "/api/runs/%252e%252e",
    "%2F": "/api/runs/%252F",
    "a?b": "/api/runs/a%3Fb",
    "a#b": "/api/runs/a%23b",
    "a;b=c": "/api/runs/a%3Bb%3Dc",
    "a\\b": "/api/runs/a%5Cb",
    "ünï-コード-😀": "/api/runs/" + quote("ünï-コード-😀", safe=""),
    "&x=1": "/api/runs/%26x%3D1",
    "r" * 256: "/api/runs/" + "r" * 256,
}
REFUSED = ["", ".", "..", "a/b", "../x", "a b", "a\x00b", "a\tb", "a\nb", "a\u200bb", "r" * 257, "x" * 10_000]


@pytest.mark.parametrize("run_id", list(ACCEPTED))
def test_id_through_the_form_reaches_archal_as_one_segment(client, archal, run_id):
    response = client.get(reverse("runs:lookup"), {"run_id": run_id}, follow=True)
    assert response.status_code == 404  # Archal has no such run
    assert [path for path, _ in archal.requests] == [ACCEPTED[run_id]]
    assert Lookup.objects.get().run_id == run_id


@pytest.mark.parametrize("run_id", list(ACCEPTED))
def test_id_through_the_link_reaches_archal_as_one_segment(client, archal, run_id):
    response = client.get(f"/runs/{quote(run_id, safe='')}/")
    assert response.status_code == 404
    assert [path for path, _ in archal.requests] == [ACCEPTED[run_id]]


@pytest.mark.parametrize("run_id", REFUSED)
def test_refused_id_through_the_form_gets_400_and_no_request(client, archal, run_id):
    response = client.get(reverse("runs:lookup"), {"run_id": run_id})
    assert response.status_code == 400
    assert b"form-error" in response.content
    assert archal.requests == []


@pytest.mark.parametrize("run_id", [run_id for run_id in REFUSED if run_id not in ("", ".", "..")])
@pytest.mark.parametrize("page", ["", "raw", "tree", "search"])
def test_refused_id_through_the_link_gets_400_and_no_request(client, archal, run_id, page):
    response = client.get(f"/runs/{quote(run_id, safe='')}/{page}")
    assert response.status_code == 400
    assert b"That is not a run ID" in response.content
    assert archal.requests == []
