"""The real settings, given the values a deployment would have to provide."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("TRUSTED_PROXIES", "1")  # the tests' requests come as through one router

from archal_dash.settings import *  # noqa: E402,F403

# Django's test client and live_server speak plain HTTP; the HTTPS redirect is
# tested against a real gunicorn in tests/test_deploy.py.
SECURE_SSL_REDIRECT = False

# Tests sign in hundreds of times; the real hasher's deliberate slowness
# (PBKDF2, about 0.3 s) would dominate. tests/test_deploy.py uses the real one.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Every test of a process asks from one address, and the local-memory cache
# keeps counting across tests: at full speed one process can pass any limit.
# tests/test_viewer_throttle.py turns it on, each test with its own cache keys.
VIEWER_REQUESTS_PER_MINUTE = 0

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's shared in-memory database: only a file has the
    # WAL journal and busy timeout that concurrent writers rely on in production.
    # One per test process, so two runs at once never share it.
    _test_db = Path(tempfile.gettempdir()) / f"archal-dash-test-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_test_db)}  # noqa: F405
OUTLINES_IN_BACKGROUND = False  # tests store outlines themselves (runs.cold.keep); tests/test_cold.py turns it on
