"""The real settings, given the values a deployment would have to provide."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")

from archal_dash.settings import *  # noqa: E402,F403
