"""/healthz: 200 when the database answers, 503 when it does not; open, and no Archal call."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_sign_in_or_archal(client, settings, archal):
    settings.REQUIRE_LOGIN = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]
    assert client.head("/healthz").status_code == 200
    assert archal.requests == []


def test_healthz_takes_no_post(client):
    assert client.post("/healthz").status_code == 405


# A process of its own, because its database must really be unreachable.
PROBE = """
import django
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(response.status_code, response.content.decode().strip())
"""


@pytest.mark.parametrize(
    "database_url",
    ["postgres://nobody@127.0.0.1:9/nothing", "sqlite:////nonexistent-directory/db.sqlite3"],
)
def test_healthz_is_503_when_the_database_does_not_answer(database_url):
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(DJANGO_SETTINGS_MODULE="tests.settings", DATABASE_URL=database_url, REQUIRE_LOGIN="true",
               ALLOWED_HOSTS="testserver")
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "503 database unavailable"
    assert "healthz: the database does not answer (OperationalError)" in result.stdout + result.stderr
