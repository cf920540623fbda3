"""`make bench` and its parts still run end to end (smallest sizes): a benchmark that raises
is found here, not on the day its numbers are needed. Their numbers are not checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("arguments, printed", [
    (["bench", "--sizes", "10KB", "--repeat", "1", "--no-browser", "--no-compare"], "Goals"),
    (["bench", "--compare-only", "--sizes", "1MB", "--repeat", "1"], "Compare goals"),
    (["bench.reading", "--sizes", "1MB", "--repeat", "1"], "goals met"),
])
def test_the_benchmark_runs(arguments, printed):
    result = subprocess.run([sys.executable, "-m", *arguments], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert printed in result.stdout
