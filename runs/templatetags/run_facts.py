"""Filters for showing facts read from a record (runs/summary.py): links to their nodes,
untrusted text cut and made visible, durations in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from runs.escaping import visible
from runs.paths import pointer_fragment
from runs.steps import timestamp_seconds

register = template.Library()

TEXT_CHARS = 300  # of a value shown in a summary line
LONG_TEXT_CHARS = 2000  # of an explanation, shown without clicking


@register.filter
def fragment(pointer: str) -> str:
    """The deep link to `pointer` on the run page ("#/trace/3"), or "" if no URL can carry it."""
    return pointer_fragment(pointer) or ""


@register.filter
def shown(value: object, limit: int = TEXT_CHARS) -> str:
    """A scalar as text, cut at `limit` characters, invisible characters as escapes (the
    template escapes the rest)."""
    text = _as_text(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return visible(text)


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


@register.filter
def shown_long(value: object) -> str:
    return shown(value, LONG_TEXT_CHARS)


@register.filter
def duration(milliseconds: float | None) -> str:
    """58337 → "58.3 s"; 3993722 → "1 h 6 min"; 120 → "120 ms"."""
    if milliseconds is None:
        return ""
    if milliseconds < 1000:
        return f"{milliseconds:,.0f} ms"
    seconds = milliseconds / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours:,} h {minutes} min" if minutes else f"{hours:,} h"


@register.filter
def duration_beside(milliseconds: float | None, other: float | None) -> str:
    """`duration`, or to the millisecond when it would read the same as the different
    duration `other` beside it: 58312 beside 58287 → "58,312 ms", not "58.3 s" twice."""
    shown = duration(milliseconds)
    if milliseconds is None or other is None or milliseconds == other or shown != duration(other):
        return shown
    return f"{milliseconds:,.3f}".rstrip("0").rstrip(".") + " ms"


@register.filter
def thousands(number: int) -> str:
    """4508 → "4,508"."""
    return f"{number:,}"


@register.filter
def ago(moment: datetime | None) -> str:
    """How long ago `moment` was, in words: "just now" within a minute, else "5 minutes ago"."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


@register.filter
def clock(milliseconds: float | None) -> str:
    """A step's start from the first step's, precise at any length: 850 → "+850 ms", 12345 →
    "+12.3 s", 3845000 → "+1:04:05"."""
    if milliseconds is None:
        return ""
    sign = "-" if milliseconds < 0 else "+"
    milliseconds = abs(milliseconds)
    if milliseconds < 60_000:
        return sign + duration(milliseconds)
    minutes, seconds = divmod(milliseconds / 1000, 60)
    hours, minutes = divmod(int(minutes), 60)
    if hours:
        return f"{sign}{hours:,}:{minutes:02d}:{int(seconds):02d}"
    return f"{sign}{minutes}:{seconds:04.1f}"


@register.filter
def moment(value: object) -> str:
    """A timestamp from a record (ISO 8601, or seconds or milliseconds since the epoch) as UTC
    time to the second: "2025-11-05 16:45:12 UTC"; anything else as it is."""
    seconds = timestamp_seconds(value)
    if seconds is None:
        return shown(value)
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):  # a year past 9999
        return shown(value)
