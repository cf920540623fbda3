"""What a status word means: passed, failed, or neither (shown neutral).

Archal says `passed`/`failed`/`errored`; other harnesses say `success`,
`ok`, `failure`, `crashed`, `timed_out`. Only these known words are coloured;
anything else is shown as it is.
"""

from __future__ import annotations

from runs.roles import normal

PASSED = "passed"
FAILED = "failed"
NEUTRAL = "neutral"

PASSED_WORDS = frozenset(
    normal(word) for word in ("passed", "pass", "success", "succeeded", "successful", "ok", "completed", "green")
)
FAILED_WORDS = frozenset(
    normal(word)
    for word in (
        "failed", "fail", "failure", "error", "errored", "crashed", "timeout", "timed_out", "aborted",
        "cancelled", "canceled", "rejected", "red",
    )
)


def meaning(value: object) -> str:
    """PASSED, FAILED or NEUTRAL for a status word or a pass/fail boolean."""
    if value is True:
        return PASSED
    if value is False:
        return FAILED
    if isinstance(value, str):
        word = normal(value)
        if word in PASSED_WORDS:
            return PASSED
        if word in FAILED_WORDS:
            return FAILED
    return NEUTRAL


def is_failure_word(value: object) -> bool:
    return isinstance(value, str) and normal(value) in FAILED_WORDS
