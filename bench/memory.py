"""Peak resident memory of parsing a record, or of building its page, in a fresh process.

`python -m bench.memory BODY_FILE parse|page RUN_ID` prints the bytes the
process's resident set grew by at its peak (Linux), after a warm-up page so
that imports, templates and the database connection are not counted. A fresh
process, because a used one serves new objects from memory it freed before
without growing, which would hide part of the cost.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench import env


def main() -> None:
    path, mode, run_id = sys.argv[1:4]
    env.configure("http://127.0.0.1:9")  # BENCH_WORKDIR: the parent's database
    from bench import serverside
    from runs import jsonio, records

    body = Path(path).read_bytes()
    serverside.build_page(f"{run_id}-warm-up", b'{"warm": ["up", 1, null]}')
    records.forget_all()
    if mode == "parse":
        grown = serverside.rss_peak(lambda: jsonio.parse(body))
    else:
        grown = serverside.rss_peak(lambda: serverside.build_page(run_id, body))
    print(grown if grown is not None else "")


if __name__ == "__main__":
    main()
