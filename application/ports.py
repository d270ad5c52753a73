"""Ports: what the use cases need from the outside world.

Each port is a ``typing.Protocol``; adapters implement them, use cases depend
only on them, and tests replace them with hand-written fakes (``Fake<Port>``).
Sections below are grouped by area so that each area's ports stay together.
"""

from __future__ import annotations

from typing import Mapping, Optional, Protocol, Sequence, Tuple

import attrs

from jqcli.domain.credentials import Credentials

# --------------------------------------------------------------------------------------------
# Transport: how bytes reach the site (urllib3 over the network, or the in-process sandbox)
# --------------------------------------------------------------------------------------------

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
        """Send ``request``, waiting at most ``timeout`` seconds for connect and each read."""
        ...

    def close(self) -> None:
        """Release pooled connections."""
        ...


# --------------------------------------------------------------------------------------------
# Local state
# --------------------------------------------------------------------------------------------


class CredentialStore(Protocol):
    """The saved credentials (the config file)."""

    def load(self) -> Credentials:
        """The saved token/cookie/username; empty when nothing is saved."""
        ...

    def save(self, credentials: Credentials) -> None:
        """Replace the saved credentials atomically."""
        ...

    def clear(self) -> None:
        """Forget token, cookie and username (other settings stay)."""
        ...


class Clock(Protocol):
    """Wall time and sleeping, replaceable in tests."""

    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def monotonic(self) -> float:
        """A monotonic reading in seconds, for deadlines."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds``."""
        ...


# --------------------------------------------------------------------------------------------
# Auth
# --------------------------------------------------------------------------------------------


@attrs.frozen
class LoginResult:
    """What a successful password login leaves behind."""

    cookie: str
    username: str
    user: Mapping[str, object] = attrs.field(factory=dict)


@attrs.frozen
class SessionInfo:
    """The answer of the read-only liveness probe ``/user/index/isLogin``."""

    logged_in: bool
    user_name: str = ""
    alias: str = ""
    account_key: str = ""


class AuthGateway(Protocol):
    """Login and session checks against the site."""

    def login(self, username: str, password: str) -> LoginResult:
        """Log in with a password; raises NotAuthenticated/ApiError on refusal."""
        ...

    def session_info(self) -> SessionInfo:
        """Ask the site whether the current credentials are logged in (never writes)."""
        ...


__all__: Sequence[str] = (
    "AuthGateway",
    "Clock",
    "CredentialStore",
    "Headers",
    "HttpRequest",
    "HttpResponse",
    "HttpTransport",
    "LoginResult",
    "SessionInfo",
)
