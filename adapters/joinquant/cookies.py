"""A minimal cookie jar for one site: enough for the session cookies JoinQuant sets."""

from __future__ import annotations

import threading
import time
from email.utils import parsedate_to_datetime

from jqcli.domain.credentials import format_cookie_header, parse_cookie_header
from jqcli.domain.redaction import SECRETS

SESSION_COOKIES = ("PHPSESSID", "token")


class CookieJar:
    """Ordered name → value; updated from ``Set-Cookie`` headers."""

    def __init__(self, header: str = "") -> None:
        self._cookies: dict[str, str] = dict(parse_cookie_header(header))
        SECRETS.add_all(*self._cookies.values())  # every value the site or the user gave us is a secret
        self._initial = dict(self._cookies)
        self._lock = threading.Lock()  # worker threads share one session

    def header(self) -> str:
        with self._lock:
            return format_cookie_header(self._cookies)

    def get(self, name: str) -> str:
        return self._cookies.get(name, "")

    def __bool__(self) -> bool:
        return bool(self._cookies)

    @property
    def changed(self) -> bool:
        """True when the site set, rotated or deleted a cookie during this command."""
        return self._cookies != self._initial

    @property
    def session_rotated(self) -> bool:
        return any(self._cookies.get(name) != self._initial.get(name) for name in SESSION_COOKIES)

    def update_from(self, set_cookie_headers: list[str], *, now: float | None = None) -> None:
        if not set_cookie_headers:
            return
        with self._lock:
            for raw in set_cookie_headers:
                self._apply(raw, time.time() if now is None else now)

    def _apply(self, raw: str, now: float) -> None:
        first, _, rest = raw.partition(";")
        name, sep, value = first.strip().partition("=")
        name, value = name.strip(), value.strip().strip('"')
        if not sep or not name:
            return
        if value in ("", "deleted") or _expired(rest, now):
            self._cookies.pop(name, None)
            return
        SECRETS.add(value)
        self._cookies[name] = value


def _expired(attributes: str, now: float) -> bool:
    for attribute in attributes.split(";"):
        key, _, val = attribute.strip().partition("=")
        key = key.strip().lower()
        if key == "max-age":
            try:
                return int(val.strip()) <= 0
            except ValueError:
                continue
        if key == "expires":
            try:
                return parsedate_to_datetime(val.strip()).timestamp() <= now
            except (TypeError, ValueError, IndexError):
                continue
    return False
