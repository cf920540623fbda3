"""Each test's own keys in the shared cache.

With CACHE_URL=redis://… every test process (pytest-xdist) and every test
uses one Redis: a key prefix per test keeps their locks, held lookups and
flights apart, as two deployments sharing a Redis would be kept apart.
"""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def own_cache_keys(settings) -> str:
    """Give this test a fresh KEY_PREFIX on the configured cache; return it."""
    prefix = f"archal-dash-test-{uuid.uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "KEY_PREFIX": prefix}}
    return prefix
