"""The pages, through Django's test client against the local Archal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from runs.models import Lookup, Snapshot
from runs.outcomes import LookupOutcome
from tests.conftest import TEST_TOKEN, detail_url

pytestmark = pytest.mark.django_db


def test_home_shows_lookup_form(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'name="run_id"' in response.content
    assert b"No runs looked up yet" in response.content


def test_lookup_redirects_to_the_runs_permanent_link(client):
    response = client.get(reverse("runs:lookup"), {"run_id": "  run_small \n"})
    assert response.status_code == 302
    assert response["Location"] == "/runs/run_small/"


def test_lookup_of_hostile_id_redirects_to_an_encoded_link(client, archal):
    response = client.get(reverse("runs:lookup"), {"run_id": "a?b#c;d\\e"})
    assert response.status_code == 302
    assert response["Location"] == "/runs/a%3Fb%23c;d%5Ce/"
    client.get(response["Location"])
    assert archal.requests[-1][0] == "/api/runs/a%3Fb%23c%3Bd%5Ce"


@pytest.mark.parametrize(
    ("run_id", "message"),
    [
        ("", "Enter a run ID."),
        ("   ", "Enter a run ID."),
        ("a/b", "cannot contain “/”"),
        ("a b", "cannot contain spaces"),
        ("a\x00b", "cannot contain spaces or invisible control characters"),
        ("..", "cannot be run IDs"),
        ("r" * 257, "at most 256 characters"),
    ],
)
def test_invalid_id_gets_the_form_back_with_a_message_and_no_upstream_call(
    client, archal, run_id, message
):
    response = client.get(reverse("runs:lookup"), {"run_id": run_id})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert archal.requests == []
    assert not Lookup.objects.exists()


def test_run_page_shows_the_record_as_a_tree(client):
    response = client.get(detail_url("run_small"))
    assert response.status_code == 200
    assert "runs/detail.html" in [template.name for template in response.templates]
    html = response.content.decode()
    assert "<h1" in html and "run_small</h1>" in html
    assert '<details class="json-node json-array" data-i="' in html
    assert "505874924095815681" in html
    assert 'href="/runs/run_small/raw"' in html


def test_run_page_escapes_markup_in_keys_and_values(client):
    html = client.get(detail_url("run_hostile")).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert('key')&lt;/script&gt;" in html
    assert "&lt;/details&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_run_id_is_escaped_on_its_page(client):
    response = client.get(detail_url("<b>x\"'&"))
    assert response.status_code == 404
    assert b"<b>x" not in response.content
    assert b"&lt;b&gt;x&quot;&#x27;&amp;" in response.content


def test_found_run_is_recorded_with_its_snapshot(client, archal):
    client.get(detail_url("run_small"))
    lookup = Lookup.objects.get()
    assert (lookup.run_id, lookup.outcome, lookup.upstream_status) == ("run_small", LookupOutcome.FOUND, 200)
    assert lookup.size_bytes == len(archal.records["run_small"])
    snapshot = Snapshot.objects.get(run_id="run_small")
    assert snapshot.original_body() == archal.records["run_small"]


def test_raw_returns_exactly_what_archal_sent(client, archal):
    response = client.get(reverse("runs:raw", kwargs={"run_id": "run_huge_int"}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == archal.records["run_huge_int"]
    assert "Content-Disposition" not in response


def test_raw_download_is_an_attachment_named_after_the_run(client):
    response = client.get(reverse("runs:raw", kwargs={"run_id": "run_small"}), {"download": "1"})
    assert response["Content-Disposition"] == 'attachment; filename="run_small.json"'


# Every row of the foundation's table: what Archal did -> our status and words.
ERROR_ROWS = [
    ("run_missing", 404, "Run not found", LookupOutcome.NOT_FOUND),
    ("fault-403", 502, "No access to this run", LookupOutcome.ACCESS_DENIED),
    ("fault-429", 503, "try again in 17 seconds", LookupOutcome.RATE_LIMITED),
    ("fault-500-json", 502, "Database unavailable.", LookupOutcome.UPSTREAM_ERROR),
    ("fault-502-html", 502, "HTTP 502", LookupOutcome.UPSTREAM_ERROR),
    ("fault-503-empty", 502, "HTTP 503", LookupOutcome.UPSTREAM_ERROR),
    ("fault-html-200", 502, "not valid JSON", LookupOutcome.UPSTREAM_ERROR),
    ("fault-array", 502, "an array, not an object", LookupOutcome.UPSTREAM_ERROR),
    ("fault-big", 502, "larger than this dashboard accepts", LookupOutcome.UPSTREAM_ERROR),
    ("fault-truncated", 502, "connection broke", LookupOutcome.UPSTREAM_ERROR),
    ("fault-slow-headers", 504, "did not answer in time", LookupOutcome.TIMEOUT),
]


@pytest.mark.parametrize(("run_id", "status", "words", "outcome"), ERROR_ROWS)
def test_upstream_problem_gets_its_page_status_and_lookup(client, settings, run_id, status, words, outcome):
    settings.ARCHAL_MAX_BYTES = 10_000
    settings.ARCHAL_TIMEOUT = 0.5
    response = client.get(detail_url(run_id))
    assert response.status_code == status
    assert response.templates[0].name == "runs/error.html"
    html = response.content.decode()
    assert words.lower() in html.lower()
    assert run_id in html
    assert 'name="run_id"' in html  # the form, to try another run
    assert Lookup.objects.get().outcome == outcome


def test_rate_limit_page_passes_retry_after_on(client):
    response = client.get(detail_url("fault-429"))
    assert response["Retry-After"] == "17"


def test_rejected_token_page_tells_an_admin_what_to_set(client, settings):
    settings.ARCHAL_TOKEN = "tok_expired"
    response = client.get(detail_url("run_small"))
    assert response.status_code == 502
    html = response.content.decode()
    assert "rejected the dashboard’s token" in html
    assert "ARCHAL_TOKEN" in html
    assert "Missing, invalid or expired token." in html  # upstream's message


def test_unreachable_archal_is_a_502(client, settings):
    settings.ARCHAL_API_URL = "http://127.0.0.1:9"
    response = client.get(detail_url("run_small"))
    assert response.status_code == 502
    assert b"could not connect to Archal" in response.content


def test_unconfigured_dashboard_says_how_to_configure_and_calls_nobody(client, settings, archal):
    settings.ARCHAL_TOKEN = ""
    response = client.get(detail_url("run_small"))
    assert response.status_code == 503
    assert b"not configured yet" in response.content
    assert b"ARCHAL_TOKEN" in response.content
    assert archal.requests == []
    assert Lookup.objects.get().outcome == LookupOutcome.NOT_CONFIGURED


def test_raw_of_missing_run_is_the_404_page(client):
    response = client.get(reverse("runs:raw", kwargs={"run_id": "run_missing"}))
    assert response.status_code == 404
    assert b"Run not found" in response.content


@pytest.mark.parametrize(
    "path",
    [
        "/runs/a%20b/", "/runs/a%00b/", "/runs/%2E%2E/raw", "/runs/%09/",
        "/runs/a%2Fb/", "/runs/..%2F..%2Fetc/raw", "/runs/a%2F/tree", "/runs/" + "x" * 10_000 + "/",
    ],
)
def test_invalid_id_in_a_link_is_a_400_page_without_upstream_call(client, archal, path):
    response = client.get(path)
    assert response.status_code == 400
    assert b"That is not a run ID" in response.content
    assert archal.requests == []


def test_unknown_page_under_a_run_is_still_404(client):
    assert client.get("/runs/run_small/nope").status_code == 404


def test_home_lists_recent_distinct_runs_newest_first(client):
    for run_id in ["run_small", "run_missing", "run_small", "run_hostile"]:
        client.get(detail_url(run_id))
    html = client.get("/").content.decode()
    links = [detail_url(run_id) for run_id in ["run_hostile", "run_small", "run_missing"]]
    positions = [html.index(f'href="{link}"') for link in links]
    assert positions == sorted(positions)
    assert html.count(f'href="{detail_url("run_small")}"') == 1
    assert "Not found" in html and "just now" in html  # looked up seconds ago (issue 10: not "0 minutes ago")


def test_token_appears_in_no_page_or_header(client, settings):
    settings.ARCHAL_TIMEOUT = 0.5
    pages = ["/", detail_url("run_small"), detail_url("fault-500-json"), detail_url("fault-429"),
             detail_url("run_missing"), reverse("runs:raw", kwargs={"run_id": "run_small"})]
    for page in pages:
        response = client.get(page)
        assert TEST_TOKEN not in response.content.decode()
        assert all(TEST_TOKEN not in str(value) for value in response.headers.values())


def test_sites_own_404_page_shares_the_look(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"archal-dash" in response.content
    assert b"app.css" in response.content


def test_every_page_has_one_h1(client):
    for path in ["/", detail_url("run_small"), detail_url("run_missing"), "/nope"]:
        assert client.get(path).content.count(b"<h1") == 1, path


def test_sample_setup_says_so_and_lists_sample_runs(client, settings):
    from sample_api.records import SAMPLE_RUN_IDS

    settings.ARCHAL_SAMPLE_API = True
    settings.ARCHAL_SAMPLE_RUN_IDS = list(SAMPLE_RUN_IDS)
    html = client.get("/").content.decode()
    assert "bundled sample Archal API" in html
    assert all(f'href="{detail_url(run_id)}"' in html for run_id in SAMPLE_RUN_IDS)


def test_real_setup_shows_no_sample_notice(client):
    assert b"sample Archal API" not in client.get("/").content


def test_sites_own_500_page_shares_the_look(rf):
    from runs.views.handlers import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"app.css" in response.content


def test_times_read_just_now_then_minutes_ago(client):
    client.get(detail_url("run_small"))
    assert "just now" in client.get(detail_url("run_small")).content.decode()
    Snapshot.objects.update(fetched_at=timezone.now() - timedelta(minutes=5))
    Lookup.objects.update(looked_up_at=timezone.now() - timedelta(minutes=5))
    assert "5\xa0minutes ago" in client.get("/").content.decode()


def test_pages_ask_search_engines_not_to_index_them(client):
    assert b'<meta name="robots" content="noindex, nofollow">' in client.get("/").content
