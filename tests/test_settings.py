"""Configuration as an operator meets it: from the environment, with clear refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**clean, "DJANGO_SETTINGS_MODULE": "archal_dash.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_secret_key_it_refuses_to_start_with_one_line():
    result = manage("check", DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "archal-dash: SECRET_KEY is not set. Set SECRET_KEY to a long random string "
        "(or DEBUG=true for local development)."
    ]


def test_check_is_clean():
    result = manage("check", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_no_model_change_lacks_a_migration():
    result = manage("makemigrations", "--check", "--dry-run", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_trusted_proxies_it_refuses_to_start_in_production():
    clean = {key: value for key, value in os.environ.items() if key != "TRUSTED_PROXIES"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "archal_dash.settings", "DEBUG": "false", "SECRET_KEY": "x" * 50},
    )
    assert result.returncode != 0
    assert result.stderr.strip().startswith("archal-dash: TRUSTED_PROXIES is not set.")
    local = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "archal_dash.settings", "DEBUG": "true"},
    )
    assert local.returncode == 0, local.stderr  # local development needs no proxy setting
