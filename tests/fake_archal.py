"""A fault-injecting Archal for the tests: the sample API plus misbehaviour.

Run IDs starting with `fault-` select a misbehaviour; any other ID is looked
up among the canned records like the real API would.
"""

from __future__ import annotations

import gzip
import json
import socket
import struct
import time

from sample_api.server import ArchalHandler
from tests.xss_payloads import hostile_record

DRIBBLE_FOR_SECONDS = 60  # fault-dribbled-headers: far past any deadline and any test's patience

AWKWARD_KEYS = ["~", "/", "a~1b", "~0", '"q"', "it's", "a\nb", "a\r\nb", "a\rb", "n\u0000ul", "3", "", " ",
                "\u2028", "\t", "<b>&amp;", "x" * 300, "y" * 301, "d\x7f", "\ufeffbom", "😀", "a.b", "a[0]",
                "\\", "%2F", "#", "?x=1"]


def _chain(depth: int) -> dict:
    """{"a": 1, "next": {…}, "z": "end"}, `depth` levels deep."""
    record: dict = {"a": 1, "z": "end"}
    for _ in range(depth):
        record = {"a": 1, "next": record, "z": "end"}
    return record


RECORDS = {
    "run_small": json.dumps(
        {
            "id": "run_small",
            "status": "passed",
            "score": 0.93,
            "big_id": 505874924095815681,
            "trace": [{"step": 1, "tool": "github.create_issue"}],
        }
    ).encode(),
    "run_hostile": json.dumps(
        {
            "<script>alert('key')</script>": "<img src=x onerror=alert(1)>",
            "nested": {"html": "</details><script>alert(2)</script>"},
        }
    ).encode(),
    # Beyond 64 bits: orjson refuses it, so the stdlib parser must take over.
    "run_huge_int": b'{"id": 123456789012345678901234567890, "n": -9223372036854775809}',
    "run/with?odd#chars": b'{"odd": true}',
    "run_xss": json.dumps(hostile_record()).encode(),
    # Valid JSON that no UTF-8 page can hold as is: a lone surrogate, a NUL.
    "run_unshowable": b'{"s": "half \\ud800 pair", "k\\u0000": 1}',
    # Keys the page shows cut short or escaped: their paths come from the server.
    "run_long_keys": json.dumps(
        {"k" * 400: {"inner": "v"}, "line\r\nbreak": {"a/b": 1}, "lone \ud800": {"x": 1}}
    ).encode(),
    # Keys that JSON Pointers, jq paths and links must each write right.
    "run_awkward_keys": json.dumps({key: {"in": [0, {"3": "x"}]} for key in AWKWARD_KEYS}).encode(),
    "run_deep_chain": json.dumps(_chain(60)).encode(),
    # Wider than one page and deeper than the node budget: the viewer's lazy paths.
    "run_wide": json.dumps(
        {
            "id": "run_wide",
            "big_id": 505874924095815681,
            "log": "line of agent output\n" * 60,
            "trace": [
                {
                    "step": i,
                    "at": f"2025-11-04T14:{i // 60 % 60:02d}:{i % 60:02d}Z",
                    "tool": "slack.post_message" if i % 2 else "github.create_issue",
                    "args": {"text": f"message {i}", "url": f"https://api.github.clone.archal.ai/issues/{i}"},
                }
                for i in range(5000)
            ],
            "needle": {"deep": {"deeper": {"deepest": "Zebra-Unique-Value"}}},
        }
    ).encode(),
}


class FaultyArchalHandler(ArchalHandler):
    def respond_to_run(self, run_id: str) -> None:
        # A test can make a good run misbehave from now on: overrides[run_id] = "fault-…".
        run_id = self.server.overrides.get(run_id, run_id)
        if run_id.startswith("fault-status-"):
            # fault-status-<code>-<json|html|empty>: any error status with any body.
            _, _, code, body = run_id.split("-")
            self.send_status_with_body(int(code), body)
            return
        fault = getattr(self, "fault_" + run_id.removeprefix("fault-").replace("-", "_"), None)
        if run_id.startswith("fault-") and fault is not None:
            fault()
        else:
            super().respond_to_run(run_id)

    def send_status_with_body(self, status: int, body: str) -> None:
        if body == "json":
            self.send_error_envelope(status, "upstream_trouble", f"Something broke ({status}).")
        elif body == "html":
            self.send_body(status, f"<html><h1>{status} from the proxy</h1></html>".encode(), "text/html")
        else:
            self.send_body(status, b"", "text/plain")

    def fault_403(self) -> None:
        self.send_error_envelope(403, "forbidden", "This token cannot read runs of project p_42.")

    def fault_429(self) -> None:
        self.send_error_envelope(429, "rate_limited", "Slow down.", headers={"Retry-After": "17"})

    def fault_429_superscript(self) -> None:
        self.send_error_envelope(429, "rate_limited", "Slow down.", headers={"Retry-After": "\u00b2"})

    def fault_429_huge(self) -> None:
        self.send_error_envelope(429, "rate_limited", "Slow down.", headers={"Retry-After": "9" * 5000})

    def fault_429_next_year(self) -> None:
        self.send_error_envelope(429, "rate_limited", "Slow down.", headers={"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"})

    def fault_length_superscript(self) -> None:
        body = RECORDS["run_small"]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "\u00b2")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def fault_429_no_retry_after(self) -> None:
        self.send_error_envelope(429, "rate_limited", "Slow down.")

    def fault_500_json(self) -> None:
        self.send_error_envelope(500, "internal", "Database unavailable.")

    def fault_502_html(self) -> None:
        self.send_body(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")

    def fault_503_empty(self) -> None:
        self.send_body(503, b"", "text/plain")

    def fault_html_200(self) -> None:
        self.send_body(200, b"<!doctype html><title>Login</title>", "text/html")

    def fault_array(self) -> None:
        self.send_body(200, b"[1, 2, 3]")

    def fault_null(self) -> None:
        self.send_body(200, b"null")

    def fault_big(self) -> None:
        self.send_body(200, b'{"pad": "' + b"x" * 50_000 + b'"}')

    def fault_big_unannounced(self) -> None:
        # No Content-Length: the client must count while it reads.
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b'{"pad": "' + b"x" * 50_000 + b'"}')
        self.close_connection = True

    def fault_gzip_bomb(self) -> None:
        body = gzip.compress(b'{"pad": "' + b"0" * 5_000_000 + b'"}')
        self.send_body(200, body, headers={"Content-Encoding": "gzip"})

    def fault_slow_headers(self) -> None:
        time.sleep(self.server.slow_seconds)
        self.send_body(200, b'{"late": true}')

    def fault_dribbled_headers(self) -> None:
        # The status line, then one byte of a header every 0.1 s (well inside any
        # test's per-read timeout, which each byte resets) for a minute: only a
        # deadline on the whole answer ends it.
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Dribble: ")
        stop = time.monotonic() + DRIBBLE_FOR_SECONDS
        try:
            while time.monotonic() < stop:
                self.wfile.write(b"x")
                time.sleep(0.1)
        except OSError:
            pass  # the client hung up, as it should
        self.close_connection = True

    def fault_trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        stop = time.monotonic() + 30  # bounded, in case a client never gives up
        try:
            while time.monotonic() < stop:
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass  # the client hung up, as it should
        self.close_connection = True

    def fault_truncated(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b'{"cut": "off')
        self.close_connection = True

    def fault_redirect(self) -> None:
        self.send_body(302, b"", headers={"Location": self.server.elsewhere_url + "/api/runs/run_small"})

    def fault_redirect_same_host(self) -> None:
        self.send_body(307, b"", headers={"Location": "/api/runs/run_small"})

    def fault_reset(self) -> None:
        # Half a body, then a TCP reset (SO_LINGER with a zero timeout).
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b'{"half": "' + b"x" * 1000)
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def fault_endless(self) -> None:
        # A body far over any cap; counts what the client let it send.
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        sent = 0
        try:
            self.wfile.write(b'{"pad": "')
            while sent < 200_000_000:
                self.wfile.write(b"x" * 65536)
                sent += 65536
        except OSError:
            pass
        self.server.endless_sent = sent
        self.close_connection = True

    def fault_slow_ok(self) -> None:
        time.sleep(0.3)
        self.send_body(200, b'{"slow": "but fine"}')

    def fault_string(self) -> None:
        self.send_body(200, b'"just a string"')

    def fault_number(self) -> None:
        self.send_body(200, b"42")

    def fault_invalid_utf8(self) -> None:
        self.send_body(200, b'{"text": "\xff\xfe"}')

    def fault_deep(self) -> None:
        depth = 100_000
        self.send_body(200, b'{"a":' * depth + b"1" + b"}" * depth)
