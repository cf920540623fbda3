"""The Archal API client: `fetch_run(run_id)` returns one typed outcome.

This is the only module that speaks HTTP. It never raises for anything the
network or Archal does: every failure becomes an outcome the views map to a
page. The token goes into one header of one request to `ARCHAL_API_URL` and
nowhere else: not into outcomes, messages, logs or exceptions.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests
import urllib3
import urllib3.connection
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from runs import jsonio

logger = logging.getLogger(__name__)

CHUNK_BYTES = 256 * 1024
MESSAGE_CHARS = 300  # upstream messages shown on a page are cut to this
RETRY_AFTER_MAX = 86_400  # seconds; a longer wait Archal asks for is passed on as a day
WATCHDOG_THREAD = "archal-deadline-watchdog"  # the name of the deadline's timer thread


# --- Outcomes ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FetchOutcome:
    """What came of one fetch. `status` is Archal's HTTP status, if it answered."""

    status: int | None = None
    elapsed_ms: int = 0


@dataclass(frozen=True, kw_only=True)
class RunFound(FetchOutcome):
    record: dict
    body: bytes  # exactly as Archal sent it, so integers stay exact


@dataclass(frozen=True, kw_only=True)
class RunNotFound(FetchOutcome):
    pass


@dataclass(frozen=True, kw_only=True)
class TokenRejected(FetchOutcome):
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class AccessDenied(FetchOutcome):
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class RateLimited(FetchOutcome):
    retry_after: int | None = None  # seconds


@dataclass(frozen=True, kw_only=True)
class UpstreamTimeout(FetchOutcome):
    pass


@dataclass(frozen=True, kw_only=True)
class UpstreamFailed(FetchOutcome):
    reason: str


@dataclass(frozen=True, kw_only=True)
class NotConfigured(FetchOutcome):
    pass


# --- The deadline's watchdog -------------------------------------------------
#
# requests' read timeout bounds each socket read, not the answer: a server that
# sends one byte of its headers a second resets it on every byte. The body loop
# checks the deadline between its reads; the headers are read inside one urllib3
# call, so there a timer shuts the socket down at the deadline, which ends the
# blocked read at once. (The TLS handshake needs nothing: CPython's ssl applies
# the connect timeout to the whole handshake, not to each read.)


# The deadline (time.monotonic()) of the fetch this thread is making, if any.
_deadline: ContextVar[float | None] = ContextVar("archal_fetch_deadline", default=None)


class _Watchdog:
    """Shuts a socket down when the deadline passes, unless disarmed first."""

    def __init__(self, deadline: float, sock: socket.socket) -> None:
        self._fired = False
        self._armed = True
        self._lock = threading.Lock()
        # A duplicate descriptor of the same connection: shutting it down ends
        # reads on the original without touching an SSLSocket's state from the
        # timer's thread, and it cannot be another connection's descriptor by then.
        self._socket = socket.fromfd(sock.fileno(), sock.family, sock.type)
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.name = WATCHDOG_THREAD
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._armed:
                self._fired = True
                _shut_down(self._socket)

    def disarm(self) -> bool:
        """Stop the timer and let go of the socket; return whether it fired."""
        self._timer.cancel()
        with self._lock:
            if self._armed:
                self._armed = False
                self._socket.close()
            return self._fired


def _shut_down(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # the peer or urllib3 got there first


class _DeadlineConnection(urllib3.connection.HTTPConnection):
    """A connection whose response headers end at the fetch's deadline.

    The watchdog lives only while this connection is inside getresponse(), so it
    can never shut down a connection that has gone back to the pool and on to
    another request.
    """

    def getresponse(self) -> urllib3.response.HTTPResponse:  # type: ignore[override]
        deadline = _deadline.get()
        if deadline is None or self.sock is None:  # not inside fetch_run
            return super().getresponse()
        with self._until_deadline(deadline, self.sock):
            return super().getresponse()

    @staticmethod
    @contextmanager
    def _until_deadline(deadline: float, sock: socket.socket) -> Iterator[None]:
        watchdog = _Watchdog(deadline, sock)
        try:
            yield
        finally:
            if watchdog.disarm():
                # Whatever the cut-off socket made of the read (often headers
                # that look complete), it is a timeout: urllib3 closes the connection
                # and requests raises ReadTimeout.
                raise TimeoutError("the fetch's deadline passed") from None


class _DeadlineHTTPSConnection(_DeadlineConnection, urllib3.connection.HTTPSConnection):
    pass


class _DeadlineHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _DeadlineConnection


class _DeadlineHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter, with pools of connections that keep the fetch's deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _DeadlineHTTPPool, "https": _DeadlineHTTPSPool}


@contextmanager
def _deadline_for_this_fetch(deadline: float) -> Iterator[None]:
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


# --- The client ---------------------------------------------------------------


class _BearerAuth(requests.auth.AuthBase):
    """Sets the header per request; passing auth also keeps ~/.netrc out of it."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:  # keep the token out of any debug output
        return "<BearerAuth>"


def _new_session() -> requests.Session:
    session = requests.Session()
    # No proxies or credentials from the environment: the token goes straight
    # to ARCHAL_API_URL and nowhere else.
    session.trust_env = False
    session.mount("http://", _DeadlineAdapter())
    session.mount("https://", _DeadlineAdapter())
    session.headers.update({"Accept": "application/json", "User-Agent": "archal-dash"})
    return session


# One pooled session per process; requests' Session is safe for concurrent
# GETs that share no per-request state (we pass everything per call).
_session = _new_session()


def run_url(run_id: str) -> str:
    """Return the upstream URL of a run, its ID encoded as one path segment."""
    return f"{settings.ARCHAL_API_URL}/api/runs/{quote(run_id, safe='')}"


def fetch_run(run_id: str) -> FetchOutcome:
    """Fetch one run record from Archal and return what came of it."""
    if not settings.ARCHAL_TOKEN:
        return NotConfigured()
    started = time.monotonic()
    outcome = _fetch(run_id, deadline=started + settings.ARCHAL_TIMEOUT)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    outcome = replace(outcome, elapsed_ms=elapsed_ms)
    size = len(outcome.body) if isinstance(outcome, RunFound) else None
    logger.info(
        "upstream run_id=%r outcome=%s status=%s ms=%d bytes=%s",
        run_id,
        type(outcome).__name__,
        outcome.status,
        elapsed_ms,
        "-" if size is None else size,
        # The same facts as fields, for LOG_FORMAT=json (runs.logs).
        extra={"run_id": run_id, "outcome": type(outcome).__name__, "upstream_status": outcome.status,
               "duration_ms": elapsed_ms, "bytes": size},
    )
    return outcome


def _fetch(run_id: str, deadline: float) -> FetchOutcome:
    total = settings.ARCHAL_TIMEOUT
    try:
        with _deadline_for_this_fetch(deadline):
            response = _session.get(
                run_url(run_id),
                auth=_BearerAuth(settings.ARCHAL_TOKEN),
                timeout=(min(settings.ARCHAL_CONNECT_TIMEOUT, total), total),
                allow_redirects=False,
                stream=True,
            )
    except requests.Timeout:
        return UpstreamTimeout()
    except requests.RequestException as error:
        return UpstreamFailed(reason=_describe_connection_error(error))
    with response:
        try:
            body = _read_body(response, deadline)
        except _DeadlinePassed:
            return UpstreamTimeout(status=response.status_code)
        except _TooLarge:
            limit = filesizeformat(settings.ARCHAL_MAX_BYTES).replace("\xa0", " ")
            return UpstreamFailed(
                status=response.status_code,
                reason=f"the record is larger than this dashboard accepts ({limit}, ARCHAL_MAX_BYTES)",
            )
        except requests.Timeout:
            return UpstreamTimeout(status=response.status_code)
        except requests.RequestException as error:
            return UpstreamFailed(
                status=response.status_code,
                reason=f"the connection broke while reading the answer ({type(error).__name__})",
            )
    return _interpret(response, body)


def _interpret(response: requests.Response, body: bytes) -> FetchOutcome:
    status = response.status_code
    if status == 200:
        try:
            record = jsonio.parse(body)
        except jsonio.InvalidJSON as error:
            return UpstreamFailed(status=status, reason=f"the answer is not valid JSON ({error})")
        if not isinstance(record, dict):
            kind = jsonio.kind_of(record)
            return UpstreamFailed(status=status, reason=f"the answer is JSON {kind}, not an object")
        return RunFound(status=status, record=record, body=body)
    message = _error_message(body)
    if status == 404:
        return RunNotFound(status=status)
    if status == 401:
        return TokenRejected(status=status, message=message)
    if status == 403:
        return AccessDenied(status=status, message=message)
    if status == 429:
        return RateLimited(status=status, retry_after=_retry_after(response))
    if 300 <= status < 400:
        return UpstreamFailed(status=status, reason=f"a redirect (HTTP {status}), which is not followed")
    detail = f": {message}" if message else ""
    return UpstreamFailed(status=status, reason=f"HTTP {status}{detail}")


class _DeadlinePassed(Exception):
    pass


class _TooLarge(Exception):
    pass


def _read_body(response: requests.Response, deadline: float) -> bytes:
    """Read the whole body within the deadline and under the size cap."""
    limit = settings.ARCHAL_MAX_BYTES
    declared = _header_number(response.headers.get("Content-Length", ""), digits=20)
    if declared is not None and declared > limit and "Content-Encoding" not in response.headers:
        raise _TooLarge
    raw = response.raw
    socket = getattr(getattr(raw, "connection", None), "sock", None)
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _DeadlinePassed
        if socket is not None:
            # Bound each read by what is left of the deadline, so a body that
            # trickles in a byte at a time cannot outlast it.
            try:
                socket.settimeout(remaining)
            except OSError:
                socket = None  # already closed: what is left is buffered, reads won't block
        try:
            # read1 returns what has arrived instead of waiting for a full
            # chunk; decoding gzip is capped per call (urllib3's max_length).
            chunk = raw.read1(CHUNK_BYTES, decode_content=True)
        except (TimeoutError, urllib3.exceptions.ReadTimeoutError):
            raise _DeadlinePassed from None
        except (OSError, urllib3.exceptions.HTTPError) as error:
            # Reset connections, bodies shorter than Content-Length, bad gzip.
            raise requests.ConnectionError(type(error).__name__) from None
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _describe_connection_error(error: requests.RequestException) -> str:
    if isinstance(error, requests.exceptions.SSLError):
        return "the TLS handshake with Archal failed"
    if isinstance(error, requests.ConnectionError):
        return "could not connect to Archal (connection refused or reset)"
    return f"the request could not be made ({type(error).__name__})"


def _error_message(body: bytes) -> str:
    """Return the `message` of Archal's error envelope, if the body is one."""
    try:
        envelope = json.loads(body[:65536])
    except (ValueError, RecursionError):
        return ""
    if not isinstance(envelope, dict):
        return ""
    message = envelope.get("message") or envelope.get("error") or ""
    return message[:MESSAGE_CHARS] if isinstance(message, str) else ""


def _header_number(value: str, digits: int) -> int | None:
    """A header's number: ASCII digits only, at most `digits` of them. str.isdigit alone takes
    "²" and other digits int() refuses, and int() refuses more than 4,300 digits."""
    if value.isascii() and value.isdigit() and len(value) <= digits:
        return int(value)
    return None


def _retry_after(response: requests.Response) -> int | None:
    """Seconds from a Retry-After header (RFC 9110 §10.2.3: seconds or a date)."""
    value = response.headers.get("Retry-After", "").strip()
    if (seconds := _header_number(value, digits=9)) is not None:
        return min(seconds, RETRY_AFTER_MAX)
    if value:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return min(RETRY_AFTER_MAX, max(0, int(when.timestamp() - time.time())))
    return None
