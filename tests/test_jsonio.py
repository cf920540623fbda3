"""Writing records back as JSON: exact, at any depth."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from runs.jsonio import _dumps_iteratively, dumps
from tests import strategies

pytestmark = pytest.mark.django_db


@hypothesis_settings(max_examples=200, deadline=None)
@given(strategies.json_values(st.text(max_size=5), max_items=4, max_keys=4, max_leaves=30), st.booleans())
def test_the_iterative_writer_writes_what_json_dumps_writes(value, pretty):
    assert "".join(_dumps_iteratively(value, pretty)) == json.dumps(value, indent=2 if pretty else None)


def chain(depth: int, number: int = 2**70) -> dict:
    record: dict = {"end": True}
    for _ in range(depth):
        record = {"next": record, "big": number}
    return record


def test_a_record_far_deeper_than_the_recursion_limit_is_written():
    written = dumps(chain(5000), pretty=True)
    assert written.startswith(b'{\n  "next": {\n    "next": {') and written.count(b'"big": 1180591620717411303424') == 5000
    assert json.loads(dumps(chain(900))) == chain(900)  # as deep as json.loads reads back here


@pytest.mark.parametrize("params", [{"pretty": "1"}, {"at": "0"}, {"at": "0", "pretty": "1"}])
def test_raw_parts_of_a_record_1000_levels_deep_are_answered(client, archal, settings, params):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = True  # a crash fails the test instead of hiding in a 500
    record = chain(1000, number=7)  # orjson reads it (wider integers go to the stdlib parser, which stops short)
    archal.records["run_deep_thousand"] = dumps(record)  # json.dumps itself stops short of 1,000 levels here
    try:
        assert client.get(reverse("runs:detail", kwargs={"run_id": "run_deep_thousand"})).status_code == 200
        response = client.get(reverse("runs:raw", kwargs={"run_id": "run_deep_thousand"}), params)
    finally:
        del archal.records["run_deep_thousand"]
    assert response.status_code == 200
    expected = record["next"] if "at" in params else record
    assert response.content == "".join(_dumps_iteratively(expected, bool(params.get("pretty")))).encode()
