"""Scrubbing secrets out of recorded HTTP traffic (vcrpy hooks) and checking cassettes."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"
SECRET_FIELDS = re.compile(r"^(CyLoginForm\[pwd\]|pwd|password|token|secret|random|valideCode)$", re.I)
TOKEN_DATA = re.compile(r'(window\.tokenData\s*=\s*\{[^}]*?value\s*:\s*["\'])([^"\']+)(["\'])')
TOKEN_INPUT = re.compile(r'(<input[^>]*name=["\']token["\'][^>]*value=["\'])([^"\']+)(["\'])', re.I)
JSON_SECRET = re.compile(r'("(?:secret|token|random)"\s*:\s*)("(?:[^"\\]|\\.)*"|\d+)')
SECRET_HEADERS = ("cookie", "authorization")


def _scrub_form(body: str) -> str:
    pairs = parse_qsl(body, keep_blank_values=True)
    if not pairs:
        return body
    return urlencode([(k, REDACTED if SECRET_FIELDS.match(k) else v) for k, v in pairs])


def scrub_request(request):
    for name in list(request.headers):
        if name.lower() in SECRET_HEADERS:
            request.headers[name] = _redact_cookie(request.headers[name])
    parts = urlsplit(request.uri)
    if parts.query:
        request.uri = urlunsplit(parts._replace(query=_scrub_form(parts.query)))
    if request.body:
        raw = request.body.decode("utf-8", "replace") if isinstance(request.body, bytes) else request.body
        request.body = _scrub_form(raw).encode("utf-8")
    return request


def _redact_cookie(value: str) -> str:
    pairs = [part.strip().partition("=") for part in value.split(";") if part.strip()]
    return "; ".join(f"{name}={REDACTED}" if sep else name for name, sep, _ in pairs)


def _redact_set_cookie(value: str) -> str:
    first, sep, rest = value.partition(";")
    name = first.partition("=")[0].strip()
    return f"{name}={REDACTED}" + (sep + rest if sep else "")


def scrub_text(text: str) -> str:
    text = TOKEN_DATA.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)
    text = TOKEN_INPUT.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)
    return JSON_SECRET.sub(lambda m: m.group(1) + json.dumps(REDACTED), text)


def scrub_response(response):
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() == "set-cookie":
            headers[name] = [_redact_set_cookie(v) for v in headers[name]]
    body = response.get("body", {})
    raw = body.get("string")
    if raw:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        scrubbed = scrub_text(text)
        if scrubbed != text:
            body["string"] = scrubbed.encode("utf-8") if isinstance(raw, bytes) else scrubbed
            for name in list(headers):
                if name.lower() == "content-length":
                    headers[name] = [str(len(scrubbed.encode("utf-8")))]
    return response


LEAK_PATTERNS = (
    re.compile(r"(?i)(set-cookie|cookie):.*(PHPSESSID|token)=(?!REDACTED)[^;\s'\"]"),
    re.compile(r"(?i)-\s*(PHPSESSID|token|uid)=(?!REDACTED)[^;\s'\"]+"),
    re.compile(r'window\.tokenData\s*=\s*\{[^}]*value\s*:\s*["\'](?!REDACTED)'),
    re.compile(r'"secret"\s*:\s*"(?!REDACTED)[^"]'),
    re.compile(r"CyLoginForm%5Bpwd%5D=(?!REDACTED)[^&]"),
    re.compile(r"(?<![A-Za-z])pwd=(?!REDACTED)[^&\s]"),
)


def find_leaks(text: str) -> list[str]:
    """Lines of a cassette that look like an unscrubbed secret."""
    leaks = []
    for line in text.splitlines():
        if any(pattern.search(line) for pattern in LEAK_PATTERNS):
            leaks.append(line.strip()[:160])
    return leaks
