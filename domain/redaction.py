"""One redactor that knows every secret the process holds.

Credential values (cookie values, tokens, passwords) are registered as soon as
jqcli reads or receives them: from flags, ``JQCLI_*`` variables, the config
file, stdin, and ``Set-Cookie`` answers.  ``redact`` then removes them, in
plain and percent-encoded form, plus anything shaped like a credential
(``PHPSESSID=…``, ``token=…``, ``Cookie: …`` header echoes, JSON
``"token": "…"`` and long hex runs) from a text.  Every error message and
detail (``JqcliError``), body excerpt and ``--debug`` log line goes through it.

Pure and cheap: stdlib ``re`` only, patterns compiled on first use.
"""

from __future__ import annotations

import re
from typing import Any, Optional, Pattern

REDACTED = "<redacted>"
MIN_SECRET_LENGTH = 6  # shorter values would redact ordinary words; the shaped patterns still catch them

_SECRET_NAMES = r"PHPSESSID|token|[A-Za-z0-9_.-]*sess(?:ion)?(?:id)?|password|passwd|pwd|secret"
_PATTERNS: Optional[list[tuple[Pattern[str], str]]] = None
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _patterns() -> list[tuple[Pattern[str], str]]:
    global _PATTERNS
    if _PATTERNS is None:
        _PATTERNS = [
            # a Cookie / Set-Cookie header echoed as text: everything up to the end of the line or tag
            (re.compile(r"(?i)\b((?:set-)?cookie)(\s*[:=]\s*)[^\r\n<]+"), rf"\1\2{REDACTED}"),
            # JSON-ish "token": "value"
            (
                re.compile(rf"""(?i)(["'](?:{_SECRET_NAMES}|cookie)["']\s*:\s*["'])[^"']*(["'])"""),
                rf"\1{REDACTED}\2",
            ),
            # name=value pairs of cookies, queries and forms (CyLoginForm[pwd]=…)
            (
                re.compile(rf"(?i)((?:\b|\[)(?:{_SECRET_NAMES})\]?\s*=\s*)(?!{re.escape(REDACTED)})[^\s;&,\"'<>]+"),
                rf"\1{REDACTED}",
            ),
        ]
    return _PATTERNS


_HEX_RUN = re.compile(r"[0-9a-fA-F]{24,}")
_LAST_WORD = re.compile(r"\S+\Z")


def percent_encode(value: str, *, plus: bool = False) -> str:
    """``value`` as a form or query would carry it (what a page echoing a request may show)."""
    out = []
    for ch in value:
        if ch in _UNRESERVED:
            out.append(ch)
        elif ch == " " and plus:
            out.append("+")
        else:
            out.extend(f"%{byte:02X}" for byte in ch.encode("utf-8"))
    return "".join(out)


class Redactor:
    """The registry of secrets and the redaction applied to outgoing text."""

    def __init__(self) -> None:
        self._secrets: tuple[str, ...] = ()

    def add(self, value: str) -> None:
        """Register one secret value (and, for a cookie header, each of its values)."""
        if not isinstance(value, str):
            return
        candidates = {value.strip()}
        if "=" in value:
            for part in value.split(";"):
                name, sep, val = part.strip().partition("=")
                if sep:
                    candidates.add(val.strip().strip('"'))
        found = set(self._secrets)
        for candidate in candidates:
            if len(candidate) >= MIN_SECRET_LENGTH:
                found.update({candidate, percent_encode(candidate), percent_encode(candidate, plus=True)})
        # one atomic assignment, longest first: threads may redact while another adds
        self._secrets = tuple(sorted(found, key=len, reverse=True))

    def add_all(self, *values: str) -> None:
        for value in values:
            if value:
                self.add(value)

    def clear(self) -> None:
        self._secrets = ()

    def redact(self, text: str, *, hex_runs: bool = False) -> str:
        """``text`` without the registered secrets and credential-shaped pairs.

        ``hex_runs`` also hides runs of 24+ hex digits (for page excerpts; not for
        error details, whose backtest and strategy ids are such runs).
        """
        if not text:
            return text
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern, replacement in _patterns():
            text = pattern.sub(replacement, text)
        return _HEX_RUN.sub("<hex>", text) if hex_runs else text

    def redact_value(self, value: Any) -> Any:
        """Strings redacted inside dicts, lists and tuples; other values unchanged."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {key: self.redact_value(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.redact_value(item) for item in value)
        return value


SECRETS = Redactor()
"""The process's redactor (module-level: secrets are known to the whole process)."""


def excerpt(text: str, limit: int = 200, *, window: int = 20000) -> str:
    """A short, secret-free, whitespace-collapsed look at an unexpected body."""
    cut = len(text) > window
    raw = text[:window]
    if cut:  # the last word may be the first half of a secret: drop it
        raw = _LAST_WORD.sub("", raw)
    return " ".join(SECRETS.redact(raw, hex_runs=True).split())[:limit]
