"""The Procfile's processes started as a Heroku-style platform starts them.

Used by tests/test_deploy.py, `make loadtest` and `make bench`, so that all
three run the app the way it is deployed:

- `platform_env(...)`: only what an operator and the platform would set, on
  top of this machine's environment minus anything that would configure the
  app behind their back (pytest-django's DJANGO_SETTINGS_MODULE, a
  developer's ARCHAL_* or .env values);
- `release(env)`: the build (collectstatic), then the Procfile's `release:`;
- `web(env, log)`: the Procfile's `web:` line, exactly as written, run by
  bash on a free $PORT in its own session; ready once /healthz answers 200;
  stopped as a platform stops a dyno (SIGTERM to the process group, SIGKILL
  30 s later).

Every failure raises `DynoError`, carrying the process's output; callers that
report to a person rather than to pytest turn it into SystemExit.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import requests

REPO = Path(__file__).resolve().parent
# Set by platform_env (or its callers) whatever this machine's environment
# says: settings a deployment either sets itself or leaves at their defaults.
OWN = frozenset({
    "DJANGO_SETTINGS_MODULE", "PORT", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "STATIC_ROOT",
    "REQUIRE_LOGIN", "LOOKUPS_PER_MINUTE", "CSRF_TRUSTED_ORIGINS", "TRUSTED_PROXIES", "LOG_FORMAT",
})

T = TypeVar("T")


class DynoError(RuntimeError):
    """A process of the Procfile failed, exited, or did not answer in time; the message holds its output."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], T], timeout: float = 30.0, interval: float = 0.01,
               what: str = "the condition") -> T:
    """Call `predicate` every `interval` seconds until it returns something true, and return that.

    Raises TimeoutError after `timeout` seconds: waiting on the event itself,
    not sleeping "long enough", so a slow machine is slower, never wrong.
    """
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() >= deadline:
            raise TimeoutError(f"waited {timeout:g} s for {what}")
        time.sleep(interval)
    return result


def procfile_command(process_type: str) -> str:
    """Return the command of one process type of the Procfile, exactly as written."""
    for line in (REPO / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process_type:
            return command.strip()
    raise DynoError(f"no {process_type}: line in the Procfile")


def platform_env(*, database_url: str, archal_url: str, archal_token: str, static_root: Path | str,
                 allowed_hosts: str, **extra: str) -> dict[str, str]:
    """Return the environment of a production-like dyno: DEBUG off, a fresh SECRET_KEY, and `extra` on top.

    The base is this process's environment without OWN and ARCHAL_*; PATH
    starts with this virtualenv's bin/, as an activated one would, so that the
    Procfile's `gunicorn` and `python` are the ones installed here.
    """
    env = {key: value for key, value in os.environ.items() if key not in OWN and not key.startswith("ARCHAL_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=allowed_hosts,
        DATABASE_URL=database_url,
        ARCHAL_API_URL=archal_url,
        ARCHAL_TOKEN=archal_token,
        STATIC_ROOT=str(static_root),  # the slug's staticfiles/, out of the work tree
        TRUSTED_PROXIES="1",  # the platform's router, which appends the client's address
    )
    env.update(extra)
    return env


def run(command: list[str], env: Mapping[str, str], timeout: float = 300) -> str:
    """Run one command in the repository with `env`; return its output (DynoError when it fails)."""
    result = subprocess.run(command, cwd=REPO, env=dict(env), capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise DynoError(f"{command} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


def release(env: Mapping[str, str]) -> None:
    """The build step (collectstatic into STATIC_ROOT), then the Procfile's `release:` (migrate)."""
    run(["python", "manage.py", "collectstatic", "--noinput"], env)
    run(["bash", "-c", procfile_command("release")], env)


@dataclass
class Web:
    url: str  # http://127.0.0.1:<port>
    process: subprocess.Popen  # bash, leader of the session (process group) gunicorn runs in
    log: Path  # stdout and stderr of the process


@contextmanager
def web(env: Mapping[str, str], log: Path, deadline: float = 60) -> Iterator[Web]:
    """Run the Procfile's `web:` line on a free port until the block ends; yield it once /healthz answers 200.

    The health check is the platform's: plain HTTP, no X-Forwarded-Proto,
    for the first of ALLOWED_HOSTS. Raises DynoError, with the log, if the
    process exits first or `deadline` seconds pass.
    """
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            ["bash", "-c", procfile_command("web")], cwd=REPO, env={**env, "PORT": str(port)},
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    started = Web(f"http://127.0.0.1:{port}", process, log)
    host = env.get("ALLOWED_HOSTS", "").split(",")[0].strip() or "127.0.0.1"
    try:
        _wait_for_health(started, host, deadline)
        yield started
    finally:
        stop(process)


def _wait_for_health(web: Web, host: str, deadline: float) -> None:
    def healthy() -> bool:
        if web.process.poll() is not None:
            raise DynoError(f"the web process exited ({web.process.returncode}):\n{web.log.read_text()}")
        with suppress(requests.ConnectionError):
            return requests.get(f"{web.url}/healthz", headers={"Host": host}, timeout=5).status_code == 200
        return False

    try:
        wait_until(healthy, timeout=deadline, interval=0.2)
    except TimeoutError:
        raise DynoError(f"no answer on /healthz in {deadline:g} s:\n{web.log.read_text()}") from None


def stop(process: subprocess.Popen, grace: float = 30) -> None:
    """Stop a process started in its own session as a platform stops a dyno: SIGTERM, then SIGKILL."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
