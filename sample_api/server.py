"""A small, real Archal API: `GET /api/runs/{runId}` with a bearer token.

It answers like Archal does: 200 with the record, 401 and 404 with the
`{error, code, message, detail}` envelope. `make run` starts it when no
ARCHAL_TOKEN is set, and the tests build their fault-injecting upstream on it.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

RUNS_PREFIX = "/api/runs/"


class ArchalHandler(BaseHTTPRequestHandler):
    server: SampleArchalServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once, no 40 ms stall

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self.server.requests.append((self.path, dict(self.headers.items())))
        path = urlsplit(self.path).path
        segment = path[len(RUNS_PREFIX):] if path.startswith(RUNS_PREFIX) else "/"
        if "/" in segment or not segment:
            self.send_error_envelope(404, "not_found", "No such endpoint.")
            return
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self.send_error_envelope(
                401, "unauthorized", "Missing, invalid or expired token.",
                detail="Send Authorization: Bearer <token>.",
            )
            return
        self.respond_to_run(unquote(segment))

    def respond_to_run(self, run_id: str) -> None:
        """Answer for one run; the tests override this to inject faults."""
        body = self.server.records.get(run_id)
        if body is None:
            self.send_error_envelope(404, "run_not_found", f"Run {run_id} was not found.")
            return
        self.send_body(200, body)

    def send_body(self, status: int, body: bytes, content_type: str = "application/json",
                  headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_error_envelope(self, status: int, code: str, message: str, detail: str | None = None,
                            headers: Mapping[str, str] | None = None) -> None:
        envelope = {"error": self.responses[status][0], "code": code, "message": message, "detail": detail}
        self.send_body(status, json.dumps(envelope).encode(), headers=headers)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)  # the request line only: never headers


class SampleArchalServer(ThreadingHTTPServer):
    daemon_threads = True
    # Many test requests, each on its own connection; don't queue them.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], records: Mapping[str, bytes], token: str,
                 handler: type[ArchalHandler] = ArchalHandler, verbose: bool = False) -> None:
        super().__init__(address, handler)
        self.records = dict(records)
        self.token = token
        self.verbose = verbose
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, headers) seen

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client hung up, as clients that time out do
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="sample-archal", daemon=True)
        thread.start()
        return thread
