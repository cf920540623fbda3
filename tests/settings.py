"""The real settings, given the values a deployment would have to provide."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")

from archal_dash.settings import *  # noqa: E402,F403

# Django's test client and live_server speak plain HTTP; the HTTPS redirect is
# tested against a real gunicorn in tests/test_deploy.py.
SECURE_SSL_REDIRECT = False

# Tests sign in hundreds of times; the real hasher's deliberate slowness
# (PBKDF2, about 0.3 s) would dominate. tests/test_deploy.py uses the real one.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
