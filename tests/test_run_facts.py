"""The template filters that show a run's facts (runs/templatetags/run_facts.py)."""

from __future__ import annotations

from django.template import Context, Template

from runs.templatetags.run_facts import duration, duration_beside


def test_durations_read_as_people_say_them():
    assert [duration(ms) for ms in (None, 120, 58337, 3_993_722)] == ["", "120 ms", "58.3 s", "1 h 6 min"]


def test_two_different_durations_never_read_the_same_side_by_side():
    assert (duration_beside(58312, 58287), duration_beside(58287, 58312)) == ("58,312 ms", "58,287 ms")
    assert duration_beside(120.25, 120.5) == "120.25 ms"
    # Different enough, or the same: as `duration` says it.
    assert duration_beside(58337, 41000) == "58.3 s"
    assert duration_beside(58337, 58337) == "58.3 s"
    assert duration_beside(58337, None) == "58.3 s"


def test_the_compare_page_template_can_use_it():
    template = Template("{% load run_facts %}{{ a|duration_beside:b }} → {{ b|duration_beside:a }}")
    assert template.render(Context({"a": 58312.0, "b": 58287.0})) == "58,312 ms → 58,287 ms"
