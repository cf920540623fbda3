"""An open-loop client for `python -m loadtest --saturate`: hot run pages at a fixed rate.

Run as `python -m loadtest.openloop '<json>'` by loadtest.saturation, one
process per step, so its CPU is its own and measured apart from gunicorn's;
prints one JSON object: every request as (kind, scheduled second, ms, error),
the seconds from the first send to the last answer, and its own CPU seconds
over that time.

Open loop: request i is due at i / rate seconds, whether or not earlier ones
were answered (a server that falls behind gets a queue, as behind a router,
instead of fewer requests), and its time counts from when it was due, so a
late send is the server's latency too, not hidden (no coordinated omission).
Requests go round-robin to the dynos over keep-alive HTTP/1.1 connections,
as many as are busy at once (up to MAX_CONNECTIONS), and each page is checked
as the readers check theirs: 200, and the recent copy (or Archal's answer for
a hot run whose copy had just expired: "expired", counted apart).

Why not locust here: its users are a closed loop (each waits for its answer,
so a server that slows down is offered less and its queue never shows), and
a fixed arrival rate is what "pages per second held" means. Not for CPU:
measured on the same hot pages, locust's gevent client used 0.8 ms of CPU a
page and this one 0.6 ms, both small beside gunicorn's 7 ms.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import resource
import sys
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from loadtest import CACHED, EXPIRED, FROM_ARCHAL, FROM_RECENT_COPY, STALE_BANNER

MAX_CONNECTIONS = 256  # per dyno; more requests than that wait for one (their time counts)
TIMEOUT = 30.0  # a page not there in 30 s is an error, as for the readers
IDLE_SECONDS = 4.0  # gunicorn closes a keep-alive connection idle for 5 s (gunicorn.conf.py)
_from_archal = re.compile(FROM_ARCHAL)


@dataclass
class Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float

    def close(self) -> None:
        self.writer.close()


class Dyno:
    """One dyno's address and its idle keep-alive connections (most recently used last)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.idle: list[Connection] = []
        self.slots = asyncio.Semaphore(MAX_CONNECTIONS)

    async def connection(self) -> tuple[Connection, bool]:
        """A connection, and whether it was reused (a reused one may have been closed by the server)."""
        now = time.monotonic()
        while self.idle:
            connection = self.idle.pop()
            if now - connection.idle_since < IDLE_SECONDS:
                return connection, True
            connection.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return Connection(reader, writer, now), False


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response: status, headers (lower-case names), body (Content-Length or chunked)."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        return status, headers, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
            pass
        return status, headers, b"".join(parts)
    return status, headers, await reader.read()


def judge(status: int, headers: dict[str, str], body: bytes) -> tuple[str, str | None]:
    """(kind, error or None) of a hot run's page, as the readers judge theirs."""
    if status != 200:
        return CACHED, f"HTTP {status}"
    if headers.get("content-encoding") == "gzip":
        body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if STALE_BANNER in body:
        return CACHED, "a stored copy: Archal failed"
    if FROM_RECENT_COPY in body:
        return CACHED, None
    if _from_archal.search(body):
        return EXPIRED, None
    return CACHED, "200, but not the page expected"


class Client:
    def __init__(self, urls: list[str], headers: dict[str, str]) -> None:
        self.dynos = [Dyno(url) for url in urls]
        self.head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.samples: list[tuple[str, float, float, str | None]] = []

    async def get(self, dyno: Dyno, path: str, due: float, began: float) -> None:
        request = f"GET {path} HTTP/1.1\r\n{self.head}Accept-Encoding: gzip\r\n\r\n".encode()
        kind, error = CACHED, None
        async with dyno.slots:
            try:
                kind, error = await asyncio.wait_for(self._exchange(dyno, request), TIMEOUT)
            except TimeoutError:  # before OSError, of which it is one
                error = f"no answer in {TIMEOUT:g} s"
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as failure:
                error = f"connection error: {type(failure).__name__}: {failure}"
        self.samples.append((kind, due - began, (time.monotonic() - due) * 1000, error))

    async def _exchange(self, dyno: Dyno, request: bytes) -> tuple[str, str | None]:
        for _ in range(2):  # once more on a new connection if a reused one was closed before answering
            connection, reused = await dyno.connection()
            try:
                connection.writer.write(request)
                status, headers, body = await read_response(connection.reader)
            except (OSError, asyncio.IncompleteReadError) as failure:
                connection.close()
                if reused and not getattr(failure, "partial", b""):
                    continue
                raise
            except BaseException:
                connection.close()
                raise
            if headers.get("connection", "").lower() == "close":
                connection.close()
            else:
                connection.idle_since = time.monotonic()
                dyno.idle.append(connection)
            return judge(status, headers, body)
        raise ConnectionResetError("two connections closed before answering")

    async def offer(self, paths: list[str], rate: float) -> float:
        """Send `paths` at `rate` a second, round-robin over the dynos; the seconds until the last answer."""
        began = time.monotonic()
        tasks = []
        for number, path in enumerate(paths):
            due = began + number / rate
            if (wait := due - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            dyno = self.dynos[number % len(self.dynos)]
            tasks.append(asyncio.create_task(self.get(dyno, path, due, began)))
        await asyncio.gather(*tasks)
        for dyno in self.dynos:
            for connection in dyno.idle:
                connection.close()
        return time.monotonic() - began


def main() -> None:
    config = json.loads(sys.argv[1])
    chooser = random.Random(config["seed"])
    count = round(config["rate"] * config["seconds"])
    paths = chooser.choices(config["paths"], config["weights"], k=count)
    client = Client(config["urls"], config["headers"])
    before = resource.getrusage(resource.RUSAGE_SELF)
    seconds = asyncio.run(client.offer(paths, config["rate"]))
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    json.dump({"samples": client.samples, "seconds": seconds, "cpu": cpu}, sys.stdout)


if __name__ == "__main__":
    main()
