"""The run page's tree is rendered once per record, and never outlives it."""

from __future__ import annotations

import json
import sys

import pytest

from runs import records, tree_cache
from tests.conftest import detail_url

pytestmark = pytest.mark.django_db


def page(client, run_id: str = "run_small", **query) -> str:
    response = client.get(detail_url(run_id), query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture(autouse=True)
def empty_cache():
    tree_cache.forget_all()
    yield
    tree_cache.forget_all()


def test_a_second_view_of_the_same_record_reuses_the_first_render(client):
    first = page(client)
    parsed = records.load("run_small")
    cached = tree_cache.first_view(parsed)
    assert tree_cache.first_view(parsed) is cached  # the same object: not rendered again
    assert str(cached) in first and str(cached) in page(client)


def test_a_changed_record_is_rendered_anew(client, archal, monkeypatch):
    page(client)
    changed = json.loads(archal.records["run_small"])
    changed["status"] = "changed-since-the-first-view"
    monkeypatch.setitem(archal.records, "run_small", json.dumps(changed).encode())
    assert client.post(detail_url("run_small")).status_code == 303  # Refresh: Archal is asked again
    assert "changed-since-the-first-view" in page(client)


def test_other_tree_limits_get_their_own_render(client, settings):
    settings.TREE_VISIBLE_BUDGET = 150
    wide = page(client, "run_wide")
    settings.TREE_VISIBLE_BUDGET = 1
    narrow = page(client, "run_wide")
    assert wide.count("<details") == narrow.count("<details")
    assert narrow.count(" open>") < wide.count(" open>")


def test_the_cache_stays_within_its_size(monkeypatch):
    monkeypatch.setattr(tree_cache, "CACHE_BYTES", 16 * 5000)
    for number in range(40):
        record = {"n": number, "words": ["w" * 50] * 20}  # a view of about 3,000 bytes
        tree_cache.first_view(records.ParsedRecord(
            run_id=f"run_{number}", sha256=f"{number:064}", size_bytes=300, fetched_at=None, record=record))
    kept = list(tree_cache._cache.values())
    assert 0 < len(kept) < 40
    assert sum(map(sys.getsizeof, kept)) <= 16 * 5000
    assert ("run_39", f"{39:064}") in {key[:2] for key in tree_cache._cache}  # the newest is kept


def test_a_view_too_big_for_its_share_of_the_cache_is_not_kept(monkeypatch):
    monkeypatch.setattr(tree_cache, "CACHE_BYTES", 16 * 1000)
    parsed = records.ParsedRecord(run_id="run_huge", sha256="0" * 64, size_bytes=5000, fetched_at=None,
                                  record={f"k{i}": i for i in range(200)})
    tree_cache.first_view(parsed)
    assert len(tree_cache._cache) == 0



def test_views_count_in_memory_bytes_not_characters(monkeypatch):
    # One emoji makes Python keep every character of the view in 4 bytes.
    monkeypatch.setattr(tree_cache, "CACHE_BYTES", 16 * 6000)
    record = {"n": 1, "words": ["w" * 50] * 20, "face": "\N{GRINNING FACE}"}  # ~3,000 characters
    tree_cache.first_view(records.ParsedRecord(
        run_id="run_wide_chars", sha256="1" * 64, size_bytes=300, fetched_at=None, record=record))
    assert len(tree_cache._cache) == 0  # 12 KB in memory: more than a 16th of 96 KB


def test_the_summary_regions_are_rendered_once_per_record_too(client, archal, monkeypatch):
    run = {"status": "failed", "checks": [{"name": "Issue filed", "ok": False}], "events": [{"kind": "tool_call"}]}
    monkeypatch.setitem(archal.records, "run_as_a_run", json.dumps(run).encode())
    first = page(client, "run_as_a_run")
    parsed = records.load("run_as_a_run")
    regions = tree_cache.run_regions(parsed)
    assert 'id="run-summary-heading"' in regions and 'id="criteria-heading"' in regions
    assert 'id="steps-heading"' in regions
    assert tree_cache.run_regions(parsed) is regions  # the same object: not rendered again
    assert str(regions) in first and str(regions) in page(client, "run_as_a_run")


def test_a_record_that_reads_as_no_run_has_no_regions(client, archal, monkeypatch):
    monkeypatch.setitem(archal.records, "run_plain", b'{"a": [1, 2]}')
    assert "run-summary-heading" not in page(client, "run_plain")
    assert tree_cache.run_regions(records.load("run_plain")).strip() == ""
