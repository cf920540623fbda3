"""Pages, fragments and JSON gzip-encoded on the wire when the client accepts it; never otherwise.

Django's test client here; tests/test_wire_compression_deploy.py measures the
same over real HTTP against the Procfile's gunicorn, static files included.
"""

from __future__ import annotations

import gzip
import json

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from runs.paths import format_positions, positions_of
from sample_api.records import encoded_records
from tests.conftest import assert_security_headers, detail_url

pytestmark = pytest.mark.django_db

BIG_SAMPLE = "run_x4h7t1j9se"  # the sample API's 4.5 MB run
PAGE_LIMIT = 60_000  # issue 12: its page transfers 60 KB at most
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br, zstd"}  # what Chromium sends


@pytest.fixture
def big_sample(archal, settings) -> bytes:
    body = encoded_records()[BIG_SAMPLE]
    settings.ARCHAL_MAX_BYTES = 10_000_000
    archal.records[BIG_SAMPLE] = body
    yield body
    archal.records.pop(BIG_SAMPLE, None)


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


def test_the_big_sample_runs_page_is_gzipped_to_60_kb_at_most(client, big_sample):
    response = client.get(detail_url(BIG_SAMPLE), **GZIP)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert int(response["Content-Length"]) == len(response.content) <= PAGE_LIMIT
    html = gzip.decompress(response.content)
    assert len(html) > 4 * len(response.content)  # it was a big page: the limit is gzip's doing
    assert b"</html>" in html and BIG_SAMPLE.encode() in html
    assert "accept-encoding" in vary(response)
    assert_security_headers(response)


def test_without_accept_encoding_a_page_is_sent_as_it_is(client, big_sample):
    response = client.get(detail_url(BIG_SAMPLE))
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert response.content[:15].lower() == b"<!doctype html>"
    assert len(response.content) > PAGE_LIMIT
    assert "accept-encoding" in vary(response)  # a cache must not hand it to a gzip client, or back
    assert_security_headers(response)


def test_identity_only_is_not_compressed(client, big_sample):
    response = client.get(detail_url(BIG_SAMPLE), HTTP_ACCEPT_ENCODING="identity")
    assert "Content-Encoding" not in response


def test_fragments_search_answers_and_other_pages_are_gzipped(client, big_sample):
    assert client.get(detail_url(BIG_SAMPLE), **GZIP).status_code == 200
    record = json.loads(big_sample)
    trace = next(key for key, value in record.items() if isinstance(value, list) and len(value) > 100)
    run = {"run_id": BIG_SAMPLE}
    answers = {
        "fragment": client.get(reverse("runs:tree", kwargs=run),
                               {"at": format_positions(positions_of(record, f"/{trace}")), "offset": "100",
                                "fragment": "1"}, **GZIP),
        "search": client.get(reverse("runs:search", kwargs=run), {"q": "a"}, **GZIP),
        "home": client.get("/", **GZIP),
        "404 page": client.get("/runs/run_missing/", **GZIP),
    }
    for name, response in answers.items():
        assert response["Content-Encoding"] == "gzip", name
        assert gzip.decompress(response.content), name
        assert "accept-encoding" in vary(response), name
        assert_security_headers(response)
    assert answers["404 page"].status_code == 404


def test_raw_is_exact_bytes_without_accept_encoding_and_gzip_of_them_with_it(client, big_sample):
    url = reverse("runs:raw", kwargs={"run_id": BIG_SAMPLE})
    plain = client.get(url, {"download": "1"})  # what `curl` gets
    assert "Content-Encoding" not in plain
    assert plain.content == big_sample
    assert plain["Content-Disposition"] == f'attachment; filename="{BIG_SAMPLE}.json"'
    compressed = client.get(url, {"download": "1"}, **GZIP)  # a browser, `curl --compressed`
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == big_sample
    assert len(compressed.content) * 5 < len(big_sample)
    assert compressed["Content-Disposition"] == plain["Content-Disposition"]


def masked_tokens(html: bytes) -> list[str]:
    marker = b'name="csrfmiddlewaretoken" value="'
    return [html[start + len(marker): html.index(b'"', start + len(marker))].decode()
            for start in _find_all(html, marker)]


def _find_all(text: bytes, part: bytes) -> list[int]:
    found, start = [], text.find(part)
    while start != -1:
        found.append(start)
        start = text.find(part, start + 1)
    return found


def test_pages_carrying_a_csrf_token_mask_it_afresh_each_time_and_pad_their_gzip(
    django_user_model, settings, big_sample,
):
    # BREACH needs the same secret bytes in every compressed response; these never are.
    settings.REQUIRE_LOGIN = True
    pages = []
    signed_out = Client()
    for _ in range(2):
        response = signed_out.get(reverse("login"), {"next": "/runs/<script>/"}, **GZIP)  # reflected input
        assert response["Content-Encoding"] == "gzip"
        pages.append(response)
    signed_in = Client()
    signed_in.force_login(django_user_model.objects.create_user("alice", password="a-long-password-1"))
    for _ in range(2):
        response = signed_in.get(detail_url(BIG_SAMPLE), **GZIP)  # the sign-out and Refresh forms
        assert response["Content-Encoding"] == "gzip"
        pages.append(response)
    for first, second, per_page in [(*pages[0:2], 1), (*pages[2:4], 2)]:
        tokens_1, tokens_2 = masked_tokens(gzip.decompress(first.content)), masked_tokens(gzip.decompress(second.content))
        assert len(tokens_1) == len(tokens_2) == per_page  # one render masks once, for all its forms
        assert not set(tokens_1) & set(tokens_2)  # a fresh mask per response ...
        assert len({_unmask_cipher_token(token) for token in tokens_1 + tokens_2}) == 1  # ... of the same secret
    for response in pages:
        # "Heal The Breach": a random file name in each gzip header pads its length.
        assert response.content[3] & gzip.FNAME
    assert len({response.content[10:response.content.index(b"\0", 10)] for response in pages}) > 1


def test_short_answers_are_left_alone(client):
    response = client.get("/healthz", **GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response  # under 200 bytes: gzip would only add
