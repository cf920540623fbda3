"""`make run`: start the dashboard, against the sample API when no token is set.

With ARCHAL_TOKEN in the environment or in .env, this is plain `runserver`.
Without it, a sample Archal API starts in this process on a free port and the
dashboard is pointed at it, so a fresh clone shows real-looking runs at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import environ

from sample_api.__main__ import DEFAULT_TOKEN
from sample_api.records import SAMPLE_RUN_IDS, encoded_records
from sample_api.server import SampleArchalServer

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    environ.Env.read_env(REPO / ".env", overwrite=False)
    env = dict(os.environ)
    env.setdefault("DEBUG", "true")
    # A local dashboard on 127.0.0.1 needs no accounts; pages say sign-in is off.
    env.setdefault("REQUIRE_LOGIN", "false")
    address = f"127.0.0.1:{env.get('PORT', '8000')}"
    if not env.get("ARCHAL_TOKEN"):
        server = SampleArchalServer(("127.0.0.1", 0), encoded_records(), DEFAULT_TOKEN)
        server.start_in_thread()
        env.update(ARCHAL_API_URL=server.url, ARCHAL_TOKEN=DEFAULT_TOKEN, ARCHAL_SAMPLE_API="true",
                   ARCHAL_SAMPLE_RUN_IDS=",".join(SAMPLE_RUN_IDS))
        print(f"\nARCHAL_TOKEN is not set, so the dashboard reads the bundled sample Archal API at {server.url}.")
        print("Sample runs to try:")
        for run_id in SAMPLE_RUN_IDS:
            print(f"  http://{address}/runs/{run_id}/")
        print("Set ARCHAL_TOKEN (in the environment or .env) to read your team's runs.\n", flush=True)
    if not environ.Env.parse_value(env["REQUIRE_LOGIN"], bool):
        print("Sign-in is off (REQUIRE_LOGIN=false): anyone who can reach this address can read runs.\n",
              flush=True)
    command = [sys.executable, str(REPO / "manage.py"), "runserver", address]
    try:
        return subprocess.call(command, env=env, cwd=REPO)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
