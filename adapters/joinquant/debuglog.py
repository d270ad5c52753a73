"""``--debug`` request logging with structlog on stderr, secrets redacted.

structlog is imported only when ``--debug`` is on, so ordinary runs never pay
for it.  Only method, path, query (with secret-looking parameters redacted),
status, milliseconds, attempt and retries are logged: never headers, cookies
or bodies; every field also passes through the process's redactor.
"""

from __future__ import annotations

import re
from typing import Optional, Protocol, TextIO
from urllib.parse import parse_qsl, urlencode

from jqcli.domain.redaction import SECRETS

SECRET_PARAMS = re.compile(r"(token|pwd|password|passwd|secret|cookie|session|random)", re.I)


def redact_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "REDACTED" if SECRET_PARAMS.search(k) else v) for k, v in pairs], safe="[]")


class RequestLog(Protocol):
    """Where the session tells about each request (``--debug``): keyword fields only, secrets redacted."""

    def request(self, **fields: object) -> None: ...


class NullLog:
    def request(self, **fields: object) -> None:
        return None


class StructlogRequestLog:
    def __init__(self, stream: Optional[TextIO]) -> None:
        import structlog

        self._log = structlog.wrap_logger(
            structlog.PrintLogger(file=stream),
            processors=[
                structlog.processors.TimeStamper(fmt="iso", utc=False),
                structlog.processors.KeyValueRenderer(
                    key_order=["timestamp", "event", "method", "path", "status", "ms", "attempt", "retries"],
                    drop_missing=True,
                ),
            ],
        )

    def request(self, **fields: object) -> None:
        # the same redactor as errors and excerpts: no value the process holds as a secret is logged
        self._log.info("http", **{key: SECRETS.redact_value(value) for key, value in fields.items()})


def make_request_log(debug: bool, stream: Optional[TextIO]) -> NullLog | StructlogRequestLog:
    return StructlogRequestLog(stream) if debug else NullLog()
