"""The bundled sample Archal API, and `make run`'s launcher that starts it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from dyno import free_port
from sample_api.records import DATA, SAMPLE_RUN_IDS, build_record, encoded_records
from sample_api.server import SampleArchalServer
from sample_api.sweep import backlog_sweep, encode

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sample_api():
    server = SampleArchalServer(("127.0.0.1", 0), encoded_records(), "sample-token")
    server.start_in_thread()
    yield server
    server.shutdown()
    server.server_close()


def get(server: SampleArchalServer, run_id: str, token: str | None = "sample-token") -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{server.url}/api/runs/{run_id}", headers=headers, timeout=10)


def test_every_sample_run_is_served_as_a_json_object(sample_api):
    for run_id in SAMPLE_RUN_IDS:
        response = get(sample_api, run_id)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
        assert response.json()["id"] == run_id


def test_samples_hold_what_the_viewer_must_handle():
    bodies = encoded_records()
    assert max(len(body) for body in bodies.values()) > 2_000_000  # one record of several MB
    everything = b"".join(bodies.values())
    assert b"505874924095815681" in everything  # a 64-bit integer ID
    assert "<script>" in everything.decode()  # untrusted markup
    assert build_record(SAMPLE_RUN_IDS[0]) == build_record(SAMPLE_RUN_IDS[0])  # deterministic


def test_missing_or_wrong_token_gets_401_envelope(sample_api):
    for token in [None, "wrong"]:
        response = get(sample_api, SAMPLE_RUN_IDS[0], token)
        assert response.status_code == 401
        assert set(response.json()) == {"error", "code", "message", "detail"}


def test_unknown_run_gets_404_envelope(sample_api):
    response = get(sample_api, "run_nope")
    assert response.status_code == 404
    assert response.json()["code"] == "run_not_found"


def test_hand_written_samples_are_pretty_printed_json_named_by_run():
    for path in sorted(DATA.glob("run_*.json")):
        text = path.read_text(encoding="utf-8")
        record = json.loads(text)
        assert record["id"] == path.stem and path.stem in SAMPLE_RUN_IDS
        assert text == json.dumps(record, ensure_ascii=False, indent=2) + "\n"  # one way to write each file


def test_big_records_grow_or_are_cut_to_the_size_asked_for():
    small, large = backlog_sweep("run_small", 300_000), backlog_sweep("run_large", 6_000_000)
    assert 250_000 < len(encode(small)) <= 300_000
    assert 5_500_000 < len(encode(large)) <= 6_000_000  # more repositories than the sample's 18
    assert large["trace"][:100] == backlog_sweep()["trace"][:100]  # one generator, one seed


def test_make_run_launcher_serves_sample_runs_without_a_token(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ARCHAL_")}
    env.update(PORT=str(port), DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "sample_api.run_dashboard"], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        page = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and page is None:
            try:
                page = requests.get(f"http://127.0.0.1:{port}/runs/{SAMPLE_RUN_IDS[0]}/", timeout=10)
            except requests.ConnectionError:
                time.sleep(0.2)
        assert page is not None, "the dashboard did not start"
        assert page.status_code == 200
        assert "bundled sample Archal API" in page.text
        assert "Sign-in is off" in page.text  # make run needs no account, and says so
        assert json.loads(requests.get(page.url + "raw", timeout=10).content)["id"] == SAMPLE_RUN_IDS[0]
        home = requests.get(f"http://127.0.0.1:{port}/", timeout=10).text  # the IDs reach it by ARCHAL_SAMPLE_RUN_IDS
        assert all(f'href="/runs/{run_id}/"' in home for run_id in SAMPLE_RUN_IDS)
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as a person stops make run
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # leave no dashboard running behind a failed test
            process.communicate(timeout=10)
            raise
    assert "ARCHAL_TOKEN is not set" in output
    assert "Sign-in is off (REQUIRE_LOGIN=false)" in output
    assert f"http://127.0.0.1:{port}/runs/{SAMPLE_RUN_IDS[0]}/" in output


def test_the_samples_exercise_every_part_of_the_run_page():
    from runs.markdown import looks_like_markdown
    from runs.summary import summarise

    spellings = {"run_c5w9r2d6ht": "/status", "run_q7m4z8c1lf": "/status", "run_b9x2w5t3jd": "/result"}
    for run_id, status_at in spellings.items():
        summary = summarise(build_record(run_id))
        assert summary.status.pointer == status_at
        assert summary.failed_criteria and summary.failed_step_count and summary.score and summary.threshold
        assert any(criterion.evidence for criterion in summary.failed_criteria)
    camel = build_record("run_q7m4z8c1lf")
    assert summarise(camel).score.pointer == "/satisfactionScore"  # camelCase
    assert json.loads(camel["steps"][2]["response"]["body"])["ok"] is True  # JSON inside a string
    assert looks_like_markdown(build_record("run_b9x2w5t3jd")["report"])
    assert looks_like_markdown(build_record("run_c5w9r2d6ht")["output"])
