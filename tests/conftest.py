"""Shared fixtures: a real local Archal over HTTP, and test settings; helpers the tests share."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from django.db import connection
from django.urls import reverse

from sample_api.server import SampleArchalServer
from tests.fake_archal import RECORDS, FaultyArchalHandler

TEST_TOKEN = "tok_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def detail_url(run_id: str) -> str:
    """The run page's URL."""
    return reverse("runs:detail", kwargs={"run_id": run_id})


def assert_security_headers(response, hsts: bool = False) -> None:
    """The headers every response carries, from Django's test client or over HTTP (`requests`).

    `hsts`: a response to an HTTPS request (DEBUG off) carries Strict-Transport-Security too.
    """
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    policy = headers["Permissions-Policy"]
    for feature in ["camera", "microphone", "geolocation", "payment", "usb"]:
        assert f"{feature}=()" in policy
    if hsts:
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.fixture(scope="session")
def elsewhere_server() -> Iterator[SampleArchalServer]:
    """Another host, where redirects point: it must never see a request."""
    server = SampleArchalServer(("127.0.0.1", 0), RECORDS, TEST_TOKEN)
    server.start_in_thread()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def archal_server(elsewhere_server: SampleArchalServer) -> Iterator[SampleArchalServer]:
    server = SampleArchalServer(("127.0.0.1", 0), RECORDS, TEST_TOKEN, handler=FaultyArchalHandler)
    server.slow_seconds = 3.0
    server.elsewhere_url = elsewhere_server.url
    server.overrides = {}
    server.start_in_thread()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def archal(archal_server: SampleArchalServer, settings) -> SampleArchalServer:
    """Point the dashboard at the local Archal, with a fresh request log."""
    archal_server.requests.clear()
    archal_server.overrides.clear()
    settings.ARCHAL_API_URL = archal_server.url
    settings.ARCHAL_TOKEN = TEST_TOKEN
    settings.ARCHAL_TIMEOUT = 1.0
    settings.ARCHAL_MAX_BYTES = 1_000_000
    settings.ARCHAL_SAMPLE_API = False
    # The foundation's tests read pages signed out; tests of sign-in turn it on.
    settings.REQUIRE_LOGIN = False
    # Tests do not run collectstatic, so no manifest of hashed names exists.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return archal_server


T = TypeVar("T")


def in_threads(count: int, action: Callable[[int], T], race: bool = False, workers: int | None = None) -> list[T]:
    """action(0) … action(count - 1), each in a thread (`workers` at once; all when None), each
    closing its own database connection; `race`: they all start at once, from a barrier."""
    start = threading.Barrier(count) if race else None

    def run(number: int) -> T:
        if start is not None:
            start.wait()
        try:
            return action(number)
        finally:
            connection.close()

    with ThreadPoolExecutor(workers or count) as pool:
        return list(pool.map(run, range(count)))


@pytest.fixture
def served(archal: SampleArchalServer) -> Iterator[Callable[[str, object], str]]:
    """serve(run_id, record): the local Archal serves `record` as that run for this test."""
    added: list[str] = []

    def serve(run_id: str, record: object) -> str:
        archal.records[run_id] = json.dumps(record).encode()
        added.append(run_id)
        return run_id

    yield serve
    for run_id in added:
        archal.records.pop(run_id, None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run browser tests when Chromium is here; say clearly when it is not."""
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(f"REQUIRE_BROWSER is set but Chromium is not at {CHROMIUM}")
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


# --- Browser tests (Playwright, pytest-playwright's fixtures) -----------------

# Playwright's sync API runs an event loop in the test's thread; the ORM calls
# the tests make around it are still synchronous, which is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, with no background traffic to hosts we cannot reach."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "permissions": ["clipboard-read", "clipboard-write"]}
