"""Snapshots are stored compressed, and read back as the exact bytes Archal sent."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import zstandard
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from runs import records
from runs.lookups import stored_body
from runs.models import BodyEncoding, Snapshot, decode_body
from sample_api.records import encoded_records

pytestmark = pytest.mark.django_db

# Bytes a parse and re-encode would change: spacing, an escape, a float's spelling,
# an integer past 64 bits, a non-ASCII character, a trailing newline.
EXACT = (
    b'{ "id": "run_exact",  "big": 123456789012345678901234567890, "s": "caf\xc3\xa9 \\u00e9",\n'
    b' "n": 1.0E+2, "steps": [' + b", ".join(b'{"tool": "search", "ok": true}' for _ in range(200)) + b"] }\n"
)


def raw(run_id: str, **query: str):
    return reverse("runs:raw", kwargs={"run_id": run_id}) + ("?" + "&".join(f"{k}={v}" for k, v in query.items())
                                                             if query else "")


def test_a_stored_record_is_compressed_and_keeps_the_digest_and_size_of_what_was_sent():
    fields = Snapshot.objects.store("run_exact", EXACT)
    snapshot = Snapshot.objects.get(run_id="run_exact")
    assert snapshot.encoding == BodyEncoding.ZSTD
    assert len(bytes(snapshot.body)) * 5 < len(EXACT)  # 200 alike steps shrink many times
    assert zstandard.decompress(bytes(snapshot.body)) == EXACT  # a plain Zstandard frame
    assert snapshot.original_body() == EXACT
    assert snapshot.sha256 == fields["sha256"] == hashlib.sha256(EXACT).hexdigest()
    assert snapshot.size_bytes == fields["size_bytes"] == len(EXACT)
    assert "body" not in fields and "encoding" not in fields


def test_the_sample_runs_shrink_several_times():
    bodies = encoded_records()
    for run_id, body in bodies.items():
        Snapshot.objects.store(run_id, body)
    stored = sum(len(bytes(body)) for body in Snapshot.objects.values_list("body", flat=True))
    assert stored * 8 < sum(len(body) for body in bodies.values())
    for run_id, body in bodies.items():
        assert stored_body(run_id) == body


def test_raw_and_download_of_a_compressed_row_are_the_exact_bytes(client, archal):
    Snapshot.objects.store("run_exact", EXACT)  # just now: answered without asking Archal
    response = client.get(raw("run_exact"))
    assert response.status_code == 200
    assert response.content == EXACT
    assert "Content-Encoding" not in response  # the client sent no Accept-Encoding
    download = client.get(raw("run_exact", download="1"))
    assert download.content == EXACT
    assert download["Content-Disposition"] == 'attachment; filename="run_exact.json"'
    assert archal.requests == []


def old_row(run_id: str, body: bytes) -> None:
    """A row as stored before snapshots were compressed."""
    Snapshot.objects.create(
        run_id=run_id, body=body, sha256=hashlib.sha256(body).hexdigest(), size_bytes=len(body),
        fetched_at=timezone.now(),
    )


def test_raw_download_and_the_page_of_an_old_uncompressed_row(client, archal):
    old_row("run_exact", EXACT)
    assert Snapshot.objects.get().encoding == BodyEncoding.IDENTITY
    assert client.get(raw("run_exact")).content == EXACT
    assert client.get(raw("run_exact", download="1")).content == EXACT
    records.forget_all()
    page = client.get(reverse("runs:detail", kwargs={"run_id": "run_exact"}))
    assert page.status_code == 200
    assert b"123456789012345678901234567890" in page.content
    assert archal.requests == []


def test_both_kinds_of_row_parse_to_the_same_record():
    old_row("run_old", EXACT)
    Snapshot.objects.store("run_new", EXACT)
    records.forget_all()
    old, new = records.load("run_old"), records.load("run_new")
    assert old is not None and new is not None
    assert old.record == new.record
    assert old.record["big"] == 123456789012345678901234567890
    assert (old.size_bytes, old.sha256) == (new.size_bytes, new.sha256) == (
        len(EXACT), hashlib.sha256(EXACT).hexdigest(),
    )


def test_an_old_row_is_compressed_when_its_run_is_fetched_again_unchanged():
    old_row("run_exact", EXACT)
    Snapshot.objects.update(fetched_at=timezone.now() - timedelta(hours=1))
    Snapshot.objects.store("run_exact", EXACT)
    snapshot = Snapshot.objects.get()
    assert snapshot.encoding == BodyEncoding.ZSTD
    assert snapshot.original_body() == EXACT
    assert snapshot.fetched_at > timezone.now() - timedelta(minutes=1)


def test_an_unknown_encoding_is_an_error_not_garbage():
    with pytest.raises(ValueError, match="unknown snapshot encoding 'br'"):
        decode_body(b"{}", "br")


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_rows_stored_before_it_readable():
    executor = MigrationExecutor(connection)
    before = [("runs", "0003_lookup_recent_copy_outcome")]
    latest = executor.loader.graph.leaf_nodes("runs")
    try:
        executor.migrate(before)
        OldSnapshot = executor.loader.project_state(before).apps.get_model("runs", "Snapshot")  # noqa: N806
        OldSnapshot.objects.create(
            run_id="run_exact", body=EXACT, sha256=hashlib.sha256(EXACT).hexdigest(), size_bytes=len(EXACT),
            fetched_at=timezone.now(),
        )
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)
    snapshot = Snapshot.objects.get(run_id="run_exact")
    assert snapshot.encoding == BodyEncoding.IDENTITY
    assert stored_body("run_exact") == EXACT
    records.forget_all()
    parsed = records.load("run_exact")
    assert parsed is not None and parsed.record["id"] == "run_exact"
