"""A little WSGI toolkit: the request as the views see it, responses, the site's envelopes."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import parse_qs, quote, urlsplit

CN = timezone(timedelta(hours=8))  # the site renders Beijing time

Headers = List[Tuple[str, str]]
StartResponse = Callable[[str, Headers], object]
WsgiApp = Callable[[Dict[str, Any], StartResponse], Iterable[bytes]]


class Request:
    """One parsed request: query, urlencoded form, cookies and headers (names lower-cased)."""

    def __init__(self, environ: Dict[str, Any]) -> None:
        self.environ = environ
        self.method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        self.path = str(environ.get("PATH_INFO", "/")) or "/"
        self.query_string = str(environ.get("QUERY_STRING", ""))
        self.query = _first(parse_qs(self.query_string, keep_blank_values=True))
        self.headers = {
            key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            self.headers["content-type"] = str(environ["CONTENT_TYPE"])
        self.body = _read_body(environ)
        self.form: Dict[str, str] = {}
        if self.body and "multipart" not in self.headers.get("content-type", ""):
            text = self.body.decode("utf-8", "replace")
            self.form = _first(parse_qs(text, keep_blank_values=True))
        self.cookies = parse_cookies(self.headers.get("cookie", ""))

    def param(self, name: str, default: str = "") -> str:
        """A form field, else a query parameter (the site's frontend mixes both)."""
        if name in self.form:
            return self.form[name]
        return self.query.get(name, default)

    @property
    def is_xhr(self) -> bool:
        return self.headers.get("x-requested-with", "").lower() == "xmlhttprequest"

    @property
    def full_path(self) -> str:
        return self.path + ("?" + self.query_string if self.query_string else "")


class Response:
    """Status, headers and a fully built body."""

    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int = 200, headers: Optional[List[Tuple[str, str]]] = None, body: bytes = b"") -> None:
        self.status = status
        self.headers = list(headers or [])
        self.body = body

    def status_line(self) -> str:
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Unknown"
        return f"{self.status} {phrase}"

    def set_cookie(self, name: str, value: str, *, max_age: Optional[int] = None) -> None:
        extra = f"; Max-Age={max_age}" if max_age is not None else ""
        self.headers.append(("Set-Cookie", f"{name}={value}; path=/{extra}; HttpOnly"))


def parse_cookies(header: str) -> Dict[str, str]:
    cookies: Dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in cookies:
            cookies[name] = value.strip()
    return cookies


def json_response(payload: object, status: int = 200) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, [("Content-Type", "application/json; charset=utf-8")], body)


def html_response(text: str, status: int = 200) -> Response:
    return Response(status, [("Content-Type", "text/html; charset=UTF-8")], text.encode("utf-8"))


def redirect(location: str) -> Response:
    """A 302 with an empty body (the site's create and login redirects)."""
    return Response(302, [("Location", location), ("Content-Type", "text/html; charset=UTF-8")], b"")


def ok(data: object) -> Response:
    """The site's success envelope (protocol.md §1.3): string status and code."""
    return json_response({"data": data, "status": "0", "code": "00000", "msg": ""})


def fail(msg: str, *, code: object = "20000", status: object = "2", data: object = None) -> Response:
    return json_response({"data": data, "status": status, "code": code, "msg": msg})


def login_required_json() -> Response:
    """An expired session answering an XHR/JSON endpoint (protocol.md §1.7, §7.3)."""
    return json_response({"status": "1", "code": "10001", "msg": "请先登录", "redirect": "/user/login/index"})


def login_required_page(req: Request) -> Response:
    return redirect("/user/login/index?redirect=" + quote(req.full_path, safe=""))


def fmt_time(ts: float) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in Beijing time, as every page and JSON field shows it."""
    return datetime.fromtimestamp(ts, CN).strftime("%Y-%m-%d %H:%M:%S")


def cn_date(ts: float) -> str:
    return datetime.fromtimestamp(ts, CN).strftime("%Y-%m-%d")


def _first(parsed: Dict[str, List[str]]) -> Dict[str, str]:
    return {key: values[0] for key, values in parsed.items() if values}


def _read_body(environ: Dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if length <= 0 or stream is None:
        return b""
    data: bytes = stream.read(length)
    return data


def call_wsgi(
    app: WsgiApp, method: str, url: str, headers: Iterable[Tuple[str, str]], body: Optional[bytes]
) -> Tuple[int, Headers, bytes]:
    """Run one request through a WSGI callable; returns (status, headers, body)."""
    parts = urlsplit(url)
    payload = body or b""
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": method.upper(),
        "PATH_INFO": parts.path or "/",
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "sandbox.localhost",
        "SERVER_PORT": str(parts.port or 80),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": io.BytesIO(payload),
        "CONTENT_LENGTH": str(len(payload)),
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key != "CONTENT_LENGTH":
            environ["HTTP_" + key] = f"{environ['HTTP_' + key]}, {value}" if "HTTP_" + key in environ else value
    captured: List[Tuple[int, Headers]] = []

    def start_response(status: str, response_headers: Headers) -> None:
        captured.append((int(status.split(" ", 1)[0]), list(response_headers)))

    data = b"".join(app(environ, start_response))
    status_code, out_headers = captured[-1]
    return status_code, out_headers, data
