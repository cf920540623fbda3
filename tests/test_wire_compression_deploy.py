"""Bytes on the wire, over real HTTP from the Procfile's gunicorn as a platform runs it.

The 4.5 MB sample run's page gzip-encoded for a browser, the same page as it
is for a client that accepts no encoding, and static files served by
WhiteNoise as before (its precompressed copies, never compressed twice).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.db import connection

import dyno
from sample_api.records import encoded_records
from sample_api.server import SampleArchalServer
from tests.conftest import TEST_TOKEN, assert_security_headers
from tests.test_wire_compression import BIG_SAMPLE, PAGE_LIMIT

SITE = "dash.example.com"
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sample_archal() -> Iterator[SampleArchalServer]:
    server = SampleArchalServer(("127.0.0.1", 0), encoded_records(), TEST_TOKEN)
    server.start_in_thread()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def web(sample_archal, tmp_path) -> Iterator[tuple[dyno.Web, Path]]:
    # The test database pytest-django made (PostgreSQL), or a file (SQLite: its test database is in memory).
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        url = f"postgres://{db['USER']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    static_root = tmp_path / "staticfiles"
    env = dyno.platform_env(
        database_url=url, archal_url=sample_archal.url, archal_token=TEST_TOKEN, static_root=static_root,
        allowed_hosts=SITE, REQUIRE_LOGIN="false", WEB_CONCURRENCY="1",
    )
    dyno.release(env)
    with dyno.web(env, tmp_path / "web.log") as started:
        yield started, static_root


def get(web: dyno.Web, path: str, headers: dict[str, str]) -> tuple[requests.Response, bytes]:
    """The response and its body exactly as it came over the wire (not decoded)."""
    session = requests.Session()
    session.trust_env = False
    # requests adds "Accept-Encoding: gzip, deflate" unless told; None leaves the header out.
    headers = {"Host": SITE, "X-Forwarded-Proto": "https", "Accept-Encoding": None, **headers}
    response = session.get(web.url + path, headers=headers, stream=True, timeout=60)
    return response, response.raw.read(decode_content=False)


def test_the_big_sample_runs_page_and_static_files_on_the_wire(web):
    server, static_root = web
    compressed, wire = get(server, f"/runs/{BIG_SAMPLE}/", BROWSER)
    assert compressed.status_code == 200
    assert compressed.headers["Content-Encoding"] == "gzip"
    header_bytes = sum(len(name) + len(value) + 4 for name, value in compressed.headers.items())
    assert len(wire) + header_bytes <= PAGE_LIMIT, (len(wire), header_bytes)
    html = gzip.decompress(wire)
    assert "accept-encoding" in compressed.headers["Vary"].lower()
    assert_security_headers(compressed, hsts=True)

    plain, plain_wire = get(server, f"/runs/{BIG_SAMPLE}/", {})  # a client that accepts no encoding
    assert "Content-Encoding" not in plain.headers
    assert len(plain_wire) > 4 * len(wire)
    assert plain_wire[:200] == html[:200]  # the same page, as it is

    # Static files: WhiteNoise's own precompressed copies (.br when Brotli was installed at
    # collectstatic, .gz), byte for byte, never compressed again; the file itself otherwise.
    stylesheet = re.search(rb'<link rel="stylesheet" href="(/static/[^"]+\.css)"', html)
    assert stylesheet, "no stylesheet link in the page"
    path = stylesheet.group(1).decode()
    on_disk = static_root / path.removeprefix("/static/")
    for accepted in [BROWSER["Accept-Encoding"], "gzip"]:
        css, css_wire = get(server, path, {"Accept-Encoding": accepted})
        assert css.status_code == 200
        encoding = css.headers["Content-Encoding"]
        assert css_wire == on_disk.with_name(on_disk.name + {"gzip": ".gz", "br": ".br"}[encoding]).read_bytes()
        assert_security_headers(css, hsts=True)
    assert gzip.decompress(css_wire) == on_disk.read_bytes()  # one gzip layer, not two
    css_plain, css_plain_wire = get(server, path, {})
    assert "Content-Encoding" not in css_plain.headers
    assert css_plain_wire == on_disk.read_bytes()
