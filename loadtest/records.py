"""Run records of a few KB to about 1 MB, made from the sample API's records.

The two smallest sizes are sample records as they are; the larger ones are
the sample backlog sweep (several MB, sample_api.sweep: the generator bench
uses too) with its trace cut to the size asked for, so every record has
Archal's shape and the sample data's awkward content.
Each body holds RUN_ID_MARK where the run's ID goes, so the load upstream can
serve any ID with one bytes.replace instead of re-encoding megabytes.
"""

from __future__ import annotations

import functools

from sample_api.records import build_record
from sample_api.sweep import cut_to, encode

RUN_ID_MARK = "@@RUN_ID@@"

# Size class -> (how often a page of that size is asked for, the record it is made of).
SIZES: dict[str, tuple[int, str, int | None]] = {
    # name: (weight, sample run, target bytes or None for the record as it is)
    "10kb": (30, "run_2m8q4v1kza", None),
    "25kb": (30, "run_7f3k2m9xq1", None),
    "100kb": (20, "run_x4h7t1j9se", 100_000),
    "300kb": (12, "run_x4h7t1j9se", 300_000),
    "1mb": (8, "run_x4h7t1j9se", 1_000_000),
}


@functools.cache
def bodies() -> dict[str, bytes]:
    """Size class -> the record's JSON, with RUN_ID_MARK for its ID. Built once."""
    made = {}
    for name, (_, sample, target) in SIZES.items():
        record = build_record(sample)
        record["id"] = RUN_ID_MARK
        if target is not None:
            record = cut_to(record, target)
        made[name] = encode(record)
    return made


def size_of(run_id: str) -> str | None:
    """The size class a load-test run ID names (`hot-1mb`, `cold-25kb-17`), if any."""
    parts = run_id.split("-")
    return parts[1] if len(parts) >= 2 and parts[0] in {"hot", "cold"} and parts[1] in SIZES else None
