"""What every web process of a deployment shares: locks, and things held for a while.

All of it goes through Django's cache framework, the cache CACHE_URL names
(settings.CACHES["default"]). With `redis://…` or `dbcache://…` every process
of every dyno sees the same keys; with the default local-memory cache each
process has its own, which is one process's behaviour (the throttles then
count from the database as they always did, just without the lock).

Everything rests on one operation the cache makes atomic, `cache.add` (Redis:
SET NX EX; the database cache: an INSERT that the key's primary key makes
unique; local memory: under the cache's own lock). `cache.incr` is not used:
the database cache implements it as a get and a set (BaseCache.incr), so two
processes can both read 4 and both write 5.

- `try_lock` / `locked`: a lock is a key added with a random token and an
  expiry, so a killed worker cannot hold it for longer than that; only the
  token's owner releases it.
- `Held`: tokens of work in progress, each with its own expiry (lookups
  reserved before their fetch); changed only while holding the lock of the
  same name.
- `count_one`: events of one name counted per window of seconds (viewer
  requests per person), read and written under a lock of the same name.

When the cache itself fails (Redis unreachable), a warning is logged and
callers go on as one process would: a lock is reported as not taken
(`locked` yields False), nothing is held. No page fails because of it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)

# Bump when the meaning of a stored value changes, so old processes and new
# ones in the middle of a deploy never read each other's values.
KEY_VERSION = "v1"
# Critical sections under `locked` are a few queries long; a holder killed in
# the middle frees the lock after this long.
LOCK_SECONDS = 10
# Bounds the backoff between tries of a taken lock (and polls of a flight).
MAX_PAUSE = 0.05


def key(kind: str, name: str) -> str:
    """The cache key for `name` of this `kind`: names (run IDs, usernames) are hashed, so any
    character and any length is fine for every backend."""
    return f"{KEY_VERSION}:{kind}:{hashlib.sha256(name.encode()).hexdigest()[:40]}"


def _failed(action: str, error: Exception) -> None:
    # The cache's own message (host, port) only: no token or password goes near the cache.
    logger.warning("shared cache failed to %s (%s); carrying on as one process", action, type(error).__name__)


# --- Locks ----------------------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    key: str
    token: str
    held: bool = True  # False: the cache failed, and the caller goes on as if it were alone


def try_lock(name: str, seconds: float) -> Lock | None:
    """Take the lock `name` for at most `seconds`; None if someone else holds it.

    When the cache fails, returns a Lock that is not `held`: the caller goes on
    unlocked rather than waiting for a lock no one can take.
    """
    lock = Lock(key("lock", name), secrets.token_hex(16))
    try:
        taken = cache.add(lock.key, lock.token, timeout=math.ceil(seconds))
    except Exception as error:  # noqa: BLE001 - any backend's connection error
        _failed("take a lock", error)
        return Lock(lock.key, lock.token, held=False)
    return lock if taken else None


def holder(name: str) -> str | None:
    """The token of whoever holds the lock `name`, if anyone does."""
    try:
        token = cache.get(key("lock", name))
    except Exception as error:  # noqa: BLE001
        _failed("read a lock", error)
        return None
    return token if isinstance(token, str) else None


def release(lock: Lock) -> None:
    """Release `lock` if it is still ours (it may have expired and been taken by another).

    The check and the delete are two steps: Django's cache has no
    compare-and-delete. A lock expiring between them could lose its next
    holder's key; expiries are set well past the work they cover.
    """
    if not lock.held:
        return
    try:
        if cache.get(lock.key) == lock.token:
            cache.delete(lock.key)
    except Exception as error:  # noqa: BLE001
        _failed("release a lock", error)


@contextmanager
def locked(name: str, seconds: float = LOCK_SECONDS) -> Iterator[bool]:
    """Hold the lock `name` for the block, waiting for it with a short backoff.

    Yields True when held. Yields False, and the block runs unlocked, only when
    the cache fails or the lock stays taken past `seconds` (its expiry, so its
    holder is gone or stuck): the callers' checks then run as one process's.
    """
    give_up = time.monotonic() + seconds + 1
    pause = 0.001
    while (lock := try_lock(name, seconds)) is None:
        if time.monotonic() > give_up:
            logger.warning("shared lock %s not taken in %g s; carrying on unlocked", name.split(":", 1)[0], seconds)
            lock = Lock("", "", held=False)
            break
        time.sleep(pause)
        pause = min(pause * 2, MAX_PAUSE)
    try:
        yield lock.held
    finally:
        release(lock)


# --- Published values -------------------------------------------------------------


def publish(kind: str, name: str, value: Any, seconds: float) -> None:
    """Make `value` readable by every process for `seconds` (e.g. a flight's outcome)."""
    try:
        cache.set(key(kind, name), value, timeout=math.ceil(seconds))
    except Exception as error:  # noqa: BLE001
        _failed("publish a value", error)


def published(kind: str, name: str) -> Any:
    """The value last published under `kind` and `name`, or None."""
    try:
        return cache.get(key(kind, name))
    except Exception as error:  # noqa: BLE001
        _failed("read a published value", error)
        return None


# --- Held tokens ---------------------------------------------------------------------


class Held:
    """Tokens of work in progress under one name, each expiring on its own.

    Read and change only while holding `locked(name)`: the value is one key,
    read, changed and written back.
    """

    def __init__(self, name: str) -> None:
        self.key = key("held", name)

    def live(self) -> dict[str, float]:
        """Token -> expiry (seconds since the epoch) of the tokens that have not expired."""
        try:
            held = cache.get(self.key)
        except Exception as error:  # noqa: BLE001
            _failed("read held tokens", error)
            return {}
        now = time.time()
        return {token: until for token, until in (held or {}).items() if until > now}

    def add(self, token: str, seconds: float) -> None:
        held = self.live()
        held[token] = time.time() + seconds
        self._write(held)

    def remove(self, token: str) -> None:
        held = self.live()
        if held.pop(token, None) is not None:
            self._write(held)

    def _write(self, held: dict[str, float]) -> None:
        try:
            if held:
                cache.set(self.key, held, timeout=math.ceil(max(held.values()) - time.time()) + 1)
            else:
                cache.delete(self.key)
        except Exception as error:  # noqa: BLE001
            _failed("write held tokens", error)


# --- Counts per window -----------------------------------------------------------------


def count_one(name: str, limit: int, seconds: float) -> int:
    """Count one event of `name` unless `limit` are counted in its window; 0 when counted,
    else the seconds until the window ends.

    A window starts with the first event after the previous window ended and
    lasts `seconds`. The count is one key, read and written under a lock of its
    own, so racing events are counted one by one (`cache.incr` would not do: the
    database cache's is a get and a set). When the cache fails, nothing is
    counted and nothing refused.
    """
    counter = key("count", name)
    with locked(f"count:{name}"):
        now = time.time()
        try:
            start, counted = cache.get(counter) or (now, 0)
            if now >= start + seconds:  # the window ended: this event starts the next
                start, counted = now, 0
            if counted >= limit:
                return max(1, math.ceil(start + seconds - now))
            cache.set(counter, (start, counted + 1), timeout=math.ceil(start + seconds - now) + 1)
        except Exception as error:  # noqa: BLE001
            _failed("count an event", error)
    return 0


def new_token() -> str:
    """A random token naming one piece of work."""
    return secrets.token_hex(16)
