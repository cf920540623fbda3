"""Browser timings: headless Chromium against a real gunicorn and a plain-text server.

The dashboard runs as the Procfile's web: line starts it (dyno.web: gunicorn,
one worker, DEBUG off as deployed, static files hashed and cached, the
benchmark's database) reading a sample Archal API in this process; the same
records, pretty-printed, come as text/plain from a stdlib server. "Settled"
is the first animation frame after the load event, as performance.now(),
which counts from the start of the navigation.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin

import dyno
from bench import env

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# Injected into every document before its own scripts (CDP bypasses the site's
# CSP): at the load event, wait for the next animation frame and report the
# time. A console message, so that Python can give up waiting on a renderer
# that is busy laying out tens of MB of text (it cannot answer an evaluate).
SETTLED_SCRIPT = """
addEventListener('load', () => requestAnimationFrame(
  () => console.log('bench-settled ' + performance.now() + ' ' + location.href)));
"""
NAVIGATION = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  return {ttfb: n.responseStart, received: n.responseEnd, load: n.loadEventEnd,
          nodes: document.querySelectorAll('[data-i]').length};
}"""


@dataclass
class Visit:
    settled_ms: float
    ttfb_ms: float  # first byte of the response: the server's time is in here
    load_ms: float
    nodes: int  # elements with a data-i (tree nodes) in the DOM
    samples: int = 1  # visits the median was taken of
    fastest_ms: float = 0.0  # the quickest of them settled in (least disturbed by other load)
    timed_out: bool = False  # not settled within the timeout: settled_ms is that timeout


class _TextHandler(BaseHTTPRequestHandler):
    server: TextServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        body = self.server.texts.get(self.path.strip("/"))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class TextServer(ThreadingHTTPServer):
    """Serves texts[name] at /name as text/plain."""

    daemon_threads = True

    def __init__(self, texts: Mapping[str, bytes]) -> None:
        super().__init__(("127.0.0.1", 0), _TextHandler)
        self.texts = dict(texts)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a tab closed mid-transfer
            super().handle_error(request, client_address)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{name}"


_started = itertools.count(1)  # numbers the logs of the dashboards started


@contextmanager
def dashboard(archal_url: str, extra_env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Run the Procfile's web: line (dyno.web: one worker of 4 threads) until the block ends; yield its base URL."""
    env.collect_static()
    environment = {**env.server_env(archal_url), "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4", **(extra_env or {})}
    with dyno.web(environment, env.workdir() / f"gunicorn-{next(_started)}.log") as web:
        yield web.url


class Browser:
    """One headless Chromium, one tab: each visit navigates it from a page of the same
    site, as a person does who opens a run from the dashboard's home page.

    Not a new tab per visit: headless Chromium loads its own omnibox page in
    another renderer for every new tab (~140 ms of CPU on this machine, more
    than the run page takes); nor from about:blank, which also starts a new
    renderer for the site. Either would time the browser, not the page.
    """

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self._context = self._browser.new_context()
        self._context.add_init_script(SETTLED_SCRIPT)
        self._page = self._context.new_page()

    def visit(self, url: str, timeout_s: float = 120) -> Visit:
        """Open `url` in the tab, coming from the root of its site, and time it; a visit
        that has not settled in `timeout_s` is cut short, and the tab replaced."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        page = self._page
        page.goto(urljoin(url, "/"))  # the dashboard's home page; a 404 page of the text server
        try:
            with page.expect_console_message(
                lambda message: message.text.startswith("bench-settled ") and message.text.endswith(" " + url),
                timeout=timeout_s * 1000,
            ) as message:
                page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        except PlaywrightTimeout:
            page.close()  # its renderer may be busy for minutes yet
            self._page = self._context.new_page()
            return Visit(timeout_s * 1000, 0, 0, 0, timed_out=True)
        settled = float(message.value.text.split()[1])
        timing = page.evaluate(NAVIGATION)
        return Visit(settled, timing["ttfb"], timing["load"], timing["nodes"])

    def median_visit(self, url: str, repeat: int, warm_up: bool, budget_s: float = 30.0,
                     timeout_s: float = 120) -> Visit:
        """The visit with the median settle time of `repeat` (after one untimed, if `warm_up`).

        Visits that take long vary little against their length: once `budget_s`
        is spent, no more are made; one that times out ends the series.
        """
        if warm_up:
            self.visit(url, timeout_s)
        started = time.monotonic()
        visits: list[Visit] = []
        while len(visits) < repeat and (not visits or time.monotonic() - started < budget_s):
            visits.append(self.visit(url, timeout_s))
            if visits[-1].timed_out:
                break
        visits.sort(key=lambda v: v.settled_ms)
        middle = visits[(len(visits) - 1) // 2]
        middle.samples = len(visits)
        middle.fastest_ms = visits[0].settled_ms
        return middle

    def close(self) -> None:
        self._context.close()
        self._browser.close()
        self._playwright.stop()
