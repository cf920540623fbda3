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
import subprocess
import sys
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.db import connection

import dyno
from sample_api.server import SampleArchalServer
from tests.conftest import TEST_TOKEN, assert_security_headers

REPO = Path(__file__).resolve().parent.parent
SITE = "dash.example.com"
PASSWORD = "a-long-password-for-the-first-admin"

pytestmark = pytest.mark.django_db(transaction=True)


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
    return dyno.platform_env(
        database_url=database_url, archal_url=archal_server.url, archal_token=TEST_TOKEN,
        static_root=tmp_path / "staticfiles", allowed_hosts=SITE, LOG_FORMAT="json", WEB_CONCURRENCY="2",
    )


@pytest.fixture
def web(platform_env, tmp_path) -> Iterator[dyno.Web]:
    """Build, release, make the first admin, then start the web process."""
    dyno.release(platform_env)
    dyno.run(["python", "manage.py", "createsuperuser", "--noinput", "--username", "alice",
              "--email", "alice@example.com"], {**platform_env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD})
    # The platform's health check (plain HTTP, no X-Forwarded-Proto) is passed before the test starts.
    with dyno.web(platform_env, tmp_path / "web.log") as started:
        yield started


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


def requests_logged(log: Path, path: str, status: int) -> int:
    """Access lines in the log so far for `path` answered with `status` (whole lines only)."""
    lines = [json.loads(line) for line in log.read_text().splitlines(keepends=True) if line.endswith("\n")]
    return sum(1 for line in lines if line.get("path") == path and line.get("status") == status)


def test_procfile_web_process_serves_a_signed_in_teammate_a_run(web: dyno.Web, archal_server):
    browser = Visitor(web.url)

    # A shared link, opened signed out, leads to the sign-in page.
    shared = browser.get("/runs/run_small/")
    assert shared.status_code == 302
    assert shared.headers["Location"] == "/accounts/login/?next=/runs/run_small/"
    assert_security_headers(shared, hsts=True)
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
    assert_security_headers(run_page, hsts=True)
    assert archal_server.requests[-1][1]["Authorization"] == f"Bearer {TEST_TOKEN}"
    assert TEST_TOKEN not in run_page.text

    # Errors carry the headers too, and the admin works with its static files.
    missing = browser.get("/no/such/page")
    assert missing.status_code == 404 and "Page not found" in missing.text
    assert_security_headers(missing, hsts=True)
    assert browser.get("/admin/").status_code == 200

    # Hashed static files from the build, served without sign-in and cached for good.
    stylesheet = re.search(r'href="(/static/app\.[0-9a-f]{12}\.css)"', run_page.text)
    assert stylesheet, "app.css is not served under its hashed name"
    static = Visitor(web.url).get(stylesheet.group(1))
    assert static.status_code == 200 and "--accent" in static.text
    assert "immutable" in static.headers["Cache-Control"]
    assert_security_headers(static, hsts=True)

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
    # The access line is written after the response: wait for the last request's (the 2nd 302 of the run page).
    dyno.wait_until(lambda: requests_logged(web.log, "/runs/run_small/", 302) >= 2, timeout=10,
                    what="the last request's access line")
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
           "ALLOWED_HOSTS": SITE, "DATABASE_URL": "postgres://dash:secret@db.example.com:5432/dash",
           "TRUSTED_PROXIES": "1"}  # required since issue 14: no guess about what is in front of the app
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""
