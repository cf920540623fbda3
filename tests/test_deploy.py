"""The deployment as a Heroku-style platform runs it.

The build (collectstatic), the Procfile's `release:` and `web:` commands
exactly as written, DEBUG off and only the environment a platform would set;
then a visitor signs in over real HTTP, as the router forwards it, and reads
a run from a local Archal.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.db import connection

from sample_api.server import SampleArchalServer
from tests.conftest import TEST_TOKEN

REPO = Path(__file__).resolve().parent.parent
SITE = "dash.example.com"
PASSWORD = "a-long-password-for-the-first-admin"
# The variables this test sets itself; anything like them in the caller's
# environment (pytest-django's DJANGO_SETTINGS_MODULE, a developer's .env
# values) must not leak into "production".
OWN = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REQUIRE_LOGIN",
       "LOG_FORMAT", "STATIC_ROOT", "PORT", "LOOKUPS_PER_MINUTE", "CSRF_TRUSTED_ORIGINS", "TRUSTED_PROXIES"}

pytestmark = pytest.mark.django_db(transaction=True)


def procfile_command(process_type: str) -> str:
    """Return the command of one process type of the Procfile, exactly as written."""
    for line in (REPO / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process_type:
            return command.strip()
    raise AssertionError(f"no {process_type}: line in the Procfile")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_url(transactional_db, tmp_path) -> str:
    """PostgreSQL runs: the test database pytest-django made (emptied after the
    test by transactional_db). SQLite runs: a file, since pytest-django's test
    database lives in this process's memory."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        credentials = quote(db["USER"], safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
        return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


@pytest.fixture
def platform_env(database_url, archal_server: SampleArchalServer, tmp_path) -> dict[str, str]:
    """What an operator sets on the platform, plus what the platform sets itself."""
    env = {key: value for key, value in os.environ.items() if key not in OWN and not key.startswith("ARCHAL_")}
    # Like an activated virtualenv: `gunicorn` and `python` are this venv's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=SITE,
        DATABASE_URL=database_url,
        ARCHAL_API_URL=archal_server.url,
        ARCHAL_TOKEN=TEST_TOKEN,
        LOG_FORMAT="json",
        STATIC_ROOT=str(tmp_path / "staticfiles"),  # the slug's staticfiles/, out of the work tree
        WEB_CONCURRENCY="2",
    )
    return env


def run(command: list[str], env: dict[str, str], **extra_env: str) -> str:
    result = subprocess.run(
        command, cwd=REPO, env={**env, **extra_env}, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@dataclass
class Web:
    url: str
    log: Path


@pytest.fixture
def web(platform_env, tmp_path) -> Iterator[Web]:
    """Build, release, make the first admin, then start the web process."""
    run(["python", "manage.py", "collectstatic", "--noinput"], platform_env)  # the build step
    run(["bash", "-c", procfile_command("release")], platform_env)
    run(["python", "manage.py", "createsuperuser", "--noinput", "--username", "alice",
         "--email", "alice@example.com"], platform_env, DJANGO_SUPERUSER_PASSWORD=PASSWORD)
    port = free_port()
    log = tmp_path / "web.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["bash", "-c", procfile_command("web")], cwd=REPO, env={**platform_env, "PORT": str(port)},
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"the web process exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no answer on /healthz in 30 s:\n{log.read_text()}"
            try:
                # The platform's health check: plain HTTP, no X-Forwarded-Proto.
                if requests.get(f"{url}/healthz", headers={"Host": SITE}, timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        yield Web(url=url, log=log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class Visitor:
    """A browser behind the platform's router, which speaks HTTPS to the browser
    (X-Forwarded-Proto: https) and HTTP to the app. Cookies are kept by hand:
    a cookie jar would rightly keep Secure cookies off this plain-HTTP leg."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cookies: dict[str, str] = {}
        self.session = requests.Session()
        self.session.trust_env = False

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Host": SITE, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7",
                   **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = self.session.request(
            method, self.url + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        for set_cookie in response.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(set_cookie).items():
                if morsel["max-age"] == "0":  # Django deletes a cookie so
                    self.cookies.pop(name, None)
                else:
                    assert morsel["secure"] and morsel["samesite"] == "Lax", set_cookie
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        # Browsers send Origin with a POST; Django's CSRF check compares it to the host.
        return self.request("POST", path, data=data, headers={"Origin": f"https://{SITE}"})


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def assert_security_headers(response: requests.Response) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_procfile_web_process_serves_a_signed_in_teammate_a_run(web: Web, archal_server):
    browser = Visitor(web.url)

    # A shared link, opened signed out, leads to the sign-in page.
    shared = browser.get("/runs/run_small/")
    assert shared.status_code == 302
    assert shared.headers["Location"] == "/accounts/login/?next=/runs/run_small/"
    assert_security_headers(shared)
    sign_in_page = browser.get(shared.headers["Location"])
    assert sign_in_page.status_code == 200
    assert "csrftoken" in browser.cookies

    # Signing in from the form, as a browser on the site's origin would.
    signed_in = browser.post("/accounts/login/", {
        "csrfmiddlewaretoken": csrf_token(sign_in_page.text), "username": "alice", "password": PASSWORD,
        "next": "/runs/run_small/",
    })
    assert signed_in.status_code == 302, signed_in.text
    assert signed_in.headers["Location"] == "/runs/run_small/"
    assert "HttpOnly" in signed_in.headers["Set-Cookie"] and "sessionid" in browser.cookies

    # The run, fetched from Archal with the team's token.
    run_page = browser.get("/runs/run_small/")
    assert run_page.status_code == 200
    assert "run_small</h1>" in run_page.text
    assert "505874924095815681" in run_page.text
    assert "Signed in as <strong>alice</strong>" in run_page.text
    assert_security_headers(run_page)
    assert archal_server.requests[-1][1]["Authorization"] == f"Bearer {TEST_TOKEN}"
    assert TEST_TOKEN not in run_page.text

    # Errors carry the headers too, and the admin works with its static files.
    missing = browser.get("/no/such/page")
    assert missing.status_code == 404 and "Page not found" in missing.text
    assert_security_headers(missing)
    assert browser.get("/admin/").status_code == 200

    # Hashed static files from the build, served without sign-in and cached for good.
    stylesheet = re.search(r'href="(/static/app\.[0-9a-f]{12}\.css)"', run_page.text)
    assert stylesheet, "app.css is not served under its hashed name"
    static = Visitor(web.url).get(stylesheet.group(1))
    assert static.status_code == 200 and "--accent" in static.text
    assert "immutable" in static.headers["Cache-Control"]
    assert_security_headers(static)

    # Plain HTTP is sent to HTTPS (the health check was not: see the `web` fixture).
    plain = requests.get(f"{web.url}/runs/run_small/", headers={"Host": SITE}, allow_redirects=False, timeout=30)
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://{SITE}/runs/run_small/"

    # Signing out is one POST from the page's own form.
    signed_out = browser.post("/accounts/logout/", {"csrfmiddlewaretoken": csrf_token(run_page.text)})
    assert signed_out.status_code == 302
    assert "sessionid" not in browser.cookies
    assert browser.get("/runs/run_small/").status_code == 302

    # One JSON object per line: requests and upstream calls; never the token or a password.
    time.sleep(0.5)  # the access line is written after the response
    log = web.log.read_text()
    lines = [json.loads(line) for line in log.splitlines()]
    assert any(line["message"] == "Using worker: gthread" for line in lines)
    assert any(line.get("path") == "/runs/run_small/" and line.get("status") == 200
               and line.get("forwarded_for") == "203.0.113.7" for line in lines)
    upstream_lines = [line for line in lines if line["logger"] == "runs.upstream"]
    assert [(line["run_id"], line["outcome"]) for line in upstream_lines] == [("run_small", "RunFound")]
    assert TEST_TOKEN not in log and PASSWORD not in log

    if connection.vendor == "postgresql":  # the release, the admin and the lookup all went to the test database
        from runs.models import Lookup

        assert Lookup.objects.get().user.username == "alice"


def test_check_deploy_is_clean_given_only_the_required_settings():
    # check --deploy connects to no database, but loads its backend (psycopg 3).
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SECRET_KEY": secrets.token_urlsafe(50),
           "ALLOWED_HOSTS": SITE, "DATABASE_URL": "postgres://dash:secret@db.example.com:5432/dash"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""
