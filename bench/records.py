"""Synthetic Archal run records of a chosen size, the same bytes every time.

Each is the sample API's generated backlog sweep (sample_api.sweep): an
agent's pass over a GitHub org's issues, with API requests and their headers
and bodies, state changes, stack traces, non-ASCII and markup in strings.
It sweeps more repositories until it passes the size asked for, and its trace
is then cut to fit, so a bigger record is a longer trace, as it is for real
runs. A fixed seed: no clock, no uuid4.
"""

from __future__ import annotations

from sample_api.sweep import backlog_sweep, encode

SIZES = {"10KB": 10_000, "1MB": 1_000_000, "10MB": 10_000_000, "50MB": 50_000_000}


def synthetic_bodies(sizes: dict[str, int] = SIZES) -> dict[str, bytes]:
    """Label -> JSON body of about that many bytes (never more), for each size."""
    return {label: encode(backlog_sweep(f"run_bench_{label.lower()}", size)) for label, size in sizes.items()}
