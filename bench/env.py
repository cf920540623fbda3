"""The benchmark's own Django: a temporary SQLite database, no sign-in, no throttle.

`configure()` sets the environment before Django reads its settings; the
same variables (`server_env`, dyno.platform_env's production-like ones) go to
the Procfile's web process the browser timings use.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import dyno

REPO = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"

_workdir: Path | None = None
_created_here = False  # only the process that made the directory removes it


def workdir() -> Path:
    """A temporary directory for this run: the database and the static files.

    Created on first use; child processes of the benchmark find it in
    BENCH_WORKDIR and share it.
    """
    global _workdir, _created_here
    if _workdir is None:
        if os.environ.get("BENCH_WORKDIR"):
            _workdir = Path(os.environ["BENCH_WORKDIR"])
        else:
            _workdir = Path(tempfile.mkdtemp(prefix="archal-bench-"))
            _created_here = True
            os.environ["BENCH_WORKDIR"] = str(_workdir)
    return _workdir


def remove_workdir() -> None:
    """Delete the work directory (its database holds a copy of every record measured)."""
    global _workdir, _created_here
    if _workdir is not None and _created_here:
        shutil.rmtree(_workdir, ignore_errors=True)
        os.environ.pop("BENCH_WORKDIR", None)
        _workdir, _created_here = None, False


def server_env(archal_url: str) -> dict[str, str]:
    """Environment of a production-like dashboard reading `archal_url`, with the benchmark's database.

    dyno.platform_env's: DEBUG is off, as in production (with DEBUG on, Django
    logs every query with its parameters, and quoting a 50 MB snapshot for
    that log would be timed too; static files would be revalidated on every
    page, where a deployment serves them hashed and cached for good).
    """
    return dyno.platform_env(
        database_url=f"sqlite:///{workdir() / 'bench.sqlite3'}",
        archal_url=archal_url,
        archal_token=TOKEN,
        static_root=workdir() / "static",
        allowed_hosts="127.0.0.1,localhost,testserver",
        DJANGO_SETTINGS_MODULE="archal_dash.settings",  # this process's Django (configure)
        SECRET_KEY="bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",  # the same in every process
        ARCHAL_TIMEOUT="120",
        ARCHAL_MAX_BYTES=str(2 * 1024**3),
        REQUIRE_LOGIN="false",
        LOOKUPS_PER_MINUTE="0",  # the benchmark looks up the same runs many times a minute
        # Timed visits are answered from the copy the first visit stored, however long they take.
        RUN_CACHE_SECONDS="3600",
        SECURE_SSL_REDIRECT="false",
    )


def configure(archal_url: str) -> None:
    """Set up Django in this process and migrate the benchmark's database.

    Static files are named unhashed here: this process renders pages but
    serves no static file, so it needs no collectstatic.
    """
    os.environ.update(server_env(archal_url))
    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # made around it are still synchronous, which is safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django
    from django.conf import settings

    django.setup()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def collect_static() -> None:
    """Build the hashed, compressed static files a DEBUG-off gunicorn serves (once)."""
    if (workdir() / "static" / "staticfiles.json").exists():
        return
    dyno.run(["python", "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], server_env("http://127.0.0.1:9"))
