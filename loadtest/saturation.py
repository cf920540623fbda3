"""`python -m loadtest --saturate`: the highest rate of cached run pages the dynos hold.

After the readers and the burst, hot run pages (the readers' sizes, in the
same proportions) are offered at a fixed rate — 50 pages/s, then 100, 150,
… (--saturate-step) for --step-seconds each — by an open-loop client
(loadtest.openloop), one process per step, round-robin over the dynos. A
step is held when every page was right, the dynos kept up (answered at
least 95% of the offered rate) and the recent-copy pages' p95 was at most
100 ms. The steps stop at the first one not held; then the rate halfway
between it and the last one held is tried once, so the answer is within
half a step.

Each step reports who used the CPU, read before and after it: gunicorn (all
dynos, master and workers), the client (its own count, over its sending
window), PostgreSQL and Redis (every process of theirs on the machine), and
the machine as a whole, so CPU per page can be read and a busy machine seen.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loadtest import CACHED, EXPIRED
from loadtest.records import SIZES

GOAL_P95_MS = 100.0
GOAL_RATE = 150.0
KEEP_UP = 0.95  # a step whose answers come slower than this share of the offered rate is not held

# Who used the CPU: name -> CPU seconds so far (machine_busy and machine_total: the whole machine's).
CpuReading = dict[str, float]


@dataclass
class Step:
    offered: float  # pages per second sent
    seconds: float  # from the first send to the last answer
    pages: int  # recent-copy pages answered right
    expired: int  # hot runs whose copy had just expired (Archal asked), answered right
    errors: Counter
    p50: float
    p95: float
    p99: float
    cpu: CpuReading  # CPU seconds used during the step, by whom

    @property
    def answered(self) -> int:
        return self.pages + self.expired

    @property
    def achieved(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    @property
    def held(self) -> bool:
        return not self.errors and self.achieved >= KEEP_UP * self.offered and self.p95 <= GOAL_P95_MS

    def ms_per_page(self, who: str) -> float:
        return self.cpu.get(who, 0.0) * 1000 / max(self.answered, 1)


def saturate(urls: list[str], headers: dict[str, str], cpu_now: Callable[[], CpuReading], *,
             first: int, step: int, highest: int, seconds: float) -> list[Step]:
    """Offer rising rates until one is not held (see the module's doc); the steps run, in order."""
    offer(urls, headers, cpu_now, rate=20, seconds=2, seed=0)  # every worker has the hot records: not counted
    steps: list[Step] = []
    for number, rate in enumerate(range(first, highest + 1, step), start=1):
        steps.append(offer(urls, headers, cpu_now, rate=rate, seconds=seconds, seed=number))
        print(f"  … {rate} pages/s: {steps[-1].achieved:.0f} answered a second, p95 {steps[-1].p95:.0f} ms",
              file=sys.stderr, flush=True)
        if not steps[-1].held:
            break
    held = [s.offered for s in steps if s.held]
    if held and not steps[-1].held and step >= 20:
        steps.append(offer(urls, headers, cpu_now, rate=held[-1] + step // 2, seconds=seconds, seed=len(steps) + 1))
    return steps


def offer(urls: list[str], headers: dict[str, str], cpu_now: Callable[[], CpuReading], *,
          rate: float, seconds: float, seed: int) -> Step:
    """One step: `rate` hot run pages a second for `seconds`, by a fresh loadtest.openloop process."""
    config = {
        "urls": urls, "headers": headers, "rate": rate, "seconds": seconds, "seed": seed,
        "paths": [f"/runs/hot-{size}/" for size in SIZES], "weights": [weight for weight, _, _ in SIZES.values()],
    }
    before = cpu_now()
    result = subprocess.run([sys.executable, "-m", "loadtest.openloop", json.dumps(config)],
                            cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True,
                            timeout=seconds + 120)
    after = cpu_now()
    if result.returncode != 0:
        raise SystemExit(f"loadtest.openloop exited with {result.returncode}:\n{result.stderr}")
    measured = json.loads(result.stdout)
    samples = measured["samples"]
    times = sorted(ms for kind, _, ms, error in samples if kind == CACHED and error is None)
    cpu = {who: after[who] - before[who] for who in after}
    cpu["client"] = measured["cpu"]
    return Step(
        offered=rate, seconds=measured["seconds"], pages=len(times),
        expired=sum(1 for kind, _, _, error in samples if kind == EXPIRED and error is None),
        errors=Counter(error for _, _, _, error in samples if error is not None),
        p50=_percentile(times, 0.50), p95=_percentile(times, 0.95), p99=_percentile(times, 0.99), cpu=cpu,
    )


def _percentile(ordered: list[float], share: float) -> float:
    """Nearest rank, as the readers' table; infinite when nothing was answered right."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else math.inf


def highest_held(steps: list[Step]) -> Step | None:
    held = [s for s in steps if s.held]
    return max(held, key=lambda s: s.offered) if held else None
