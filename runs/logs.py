"""JSON log lines for LOG_FORMAT=json: one object per line, for log search.

Pure standard library, because gunicorn's master process loads this formatter
(gunicorn.conf.py) before Django is set up.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else on a record came in `extra=`.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JSONFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, extras.

    gunicorn's access lines become request fields (method, path, status...)
    rather than one Apache-style string.
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            line.update(_request_fields(record.args))
        else:
            line["message"] = record.getMessage()
            line.update((key, value) for key, value in vars(record).items() if key not in _STANDARD)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        # default=str: Django puts the request object itself in `extra`; its
        # str() is "<WSGIRequest: GET '/path'>", never headers or cookies.
        return json.dumps(line, default=str, ensure_ascii=False)


def _request_fields(atoms: Mapping[str, object]) -> dict[str, object]:
    """Pick the fields of one request from gunicorn's access-log atoms.

    Headers are deliberately not copied wholesale: Cookie would hold a session.
    """

    def atom(key: str) -> object:
        value = atoms.get(key)
        # gunicorn's SafeAtoms escape quotes for its Apache-style line; json
        # escapes them again, so undo the first escaping.
        return value.replace('\\"', '"') if isinstance(value, str) else value

    return {
        "message": f"{atom('m')} {atom('U')} {atom('s')}",
        "method": atom("m"),
        "path": atom("U"),
        "query": atom("q") or "",
        "status": _int_or_none(atom("s")),
        "bytes": _int_or_none(atom("B")),
        "duration_ms": atom("M"),
        # The client as the platform's router saw it (see TRUSTED_PROXIES).
        "forwarded_for": atom("{x-forwarded-for}i"),
        "remote_addr": atom("h"),
        "user_agent": atom("a"),
    }


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]  # any object: int() raising TypeError is the test
    except (TypeError, ValueError):
        return None
