"""The HTTP seam: how bytes reach a site (urllib3 over the network, or the in-process sandbox).

Not an application port: no use case consumes these types.  ``JoinQuantSession`` sends through an
``HttpTransport``; ``Urllib3Transport`` and the sandbox's ``InProcessTransport`` implement it.  It lives
beside the adapters (like ``filesystem.py``) so that the JoinQuant adapter and the sandbox share it
while staying independent of each other.
"""

from __future__ import annotations

from typing import Optional, Protocol, Tuple

import attrs

Headers = Tuple[Tuple[str, str], ...]


@attrs.frozen
class HttpRequest:
    """One HTTP request, fully formed (absolute URL, encoded body)."""

    method: str
    url: str
    headers: Headers = ()
    body: Optional[bytes] = None


@attrs.frozen
class HttpResponse:
    """One HTTP response as received: redirects are never followed by a transport."""

    status: int
    headers: Headers
    body: bytes
    url: str = ""

    def header(self, name: str, default: str = "") -> str:
        """The first header called ``name`` (case-insensitive)."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return default

    def header_list(self, name: str) -> list[str]:
        """Every header called ``name`` (``Set-Cookie`` comes several times)."""
        lname = name.lower()
        return [value for key, value in self.headers if key.lower() == lname]


class HttpTransport(Protocol):
    """Sends one request and returns the raw response.

    Implementations never follow redirects, never retry (retries are the
    session's decision, and only for idempotent GETs) and raise
    ``jqcli.domain.errors.NetworkError`` when the connection fails or the
    answer is cut short.
    """

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        """Send ``request``; connecting, the headers and the whole body together take at most ``timeout`` seconds."""
        ...

    def close(self) -> None:
        """Release pooled connections."""
        ...
