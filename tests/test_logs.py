"""LOG_FORMAT=json: one JSON object per line, with fields, and never the token."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runs import upstream
from runs.logs import JSONFormatter
from tests.conftest import TEST_TOKEN

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Everything logged under `runs`, formatted as LOG_FORMAT=json formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    logger = logging.getLogger("runs")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def parse(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_upstream_call_is_one_json_line_with_its_facts(json_lines):
    upstream.fetch_run("run_small")
    upstream.fetch_run("run_missing")
    found, missing = parse(json_lines)
    assert found["logger"] == "runs.upstream" and found["level"] == "INFO"
    assert (found["run_id"], found["outcome"], found["upstream_status"]) == ("run_small", "RunFound", 200)
    assert found["bytes"] > 0 and isinstance(found["duration_ms"], int)
    assert found["time"].endswith("+00:00")
    assert (missing["outcome"], missing["upstream_status"], missing["bytes"]) == ("RunNotFound", 404, None)
    assert TEST_TOKEN not in json_lines.getvalue()


def test_exceptions_and_odd_extras_stay_on_one_line():
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed: %s", ("it",), sys.exc_info(), extra={"request": object()}
        )
    line = JSONFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "failed: it"
    assert "ValueError: bad\nthing" in parsed["exception"]
    assert parsed["request"].startswith("<object object")


def test_gunicorn_access_atoms_become_request_fields():
    from gunicorn.glogging import SafeAtoms

    atoms = SafeAtoms({"m": "GET", "U": '/runs/a"b/', "q": "", "s": "200", "B": 512, "M": 42,
                       "h": "10.0.0.1", "a": "curl/8", "{x-forwarded-for}i": "203.0.113.7"})
    record = logging.getLogger("gunicorn.access").makeRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(r)s", (atoms,), None
    )
    parsed = json.loads(JSONFormatter().format(record))
    assert parsed["path"] == '/runs/a"b/'
    assert (parsed["method"], parsed["status"], parsed["bytes"], parsed["duration_ms"]) == ("GET", 200, 512, 42)
    assert parsed["forwarded_for"] == "203.0.113.7"


def test_unknown_log_format_is_refused_in_one_line():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "x" * 50, "TRUSTED_PROXIES": "1", "LOG_FORMAT": "xml",
             "DJANGO_SETTINGS_MODULE": "archal_dash.settings"},
    )
    assert result.returncode != 0
    assert result.stderr.strip() == "archal-dash: LOG_FORMAT must be plain or json, not 'xml'."
