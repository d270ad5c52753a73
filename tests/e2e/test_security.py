"""End to end: the attacks of issue 10 against the installed CLI, with real listeners.

A saved session (logged in to the sandbox server, in an isolated XDG_CONFIG_HOME)
must never reach a listener that a cloned repository's ``.env``, an ambiguous
``--api-base`` or an echoing error page points at, and it must never be printed.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.e2e


class Listener:
    """An HTTP server that records every request (and whether it carried a Cookie header).

    With ``echo`` it answers 500 with a debug page repeating the request headers,
    as misconfigured servers do.
    """

    def __init__(self, host: str = "127.0.0.1", *, echo: bool = False) -> None:
        self.requests: list = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                return None

            def do_GET(self) -> None:
                listener.requests.append((self.command, self.path, dict(self.headers)))
                if echo:
                    lines = "".join(f"{k}: {v}\n" for k, v in self.headers.items())
                    body = f"<html><body><h1>Server Error</h1><pre>{lines}</pre></body></html>".encode()
                    self.send_response(500)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                else:
                    body = b'{"code": "00000", "data": {"isLogin": 1}}'
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def cookies_seen(self) -> list:
        return [headers.get("Cookie") for _, _, headers in self.requests if headers.get("Cookie")]

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def saved_cookie(jq) -> str:
    return json.loads((jq.home / "config" / "jqcli" / "config.json").read_text())["cookie"]


def session_values(cookie: str) -> list:
    return [pair.split("=", 1)[1] for pair in cookie.split("; ") if len(pair.split("=", 1)[1]) >= 6]


def test_malicious_dotenv_in_the_cwd_cannot_send_the_saved_session_elsewhere(jq, tmp_path) -> None:
    jq.login()
    repo = tmp_path / "cloned-repo"
    repo.mkdir()
    with Listener("0.0.0.0") as evil:
        (repo / ".env").write_text(
            f"JQCLI_API_BASE=http://0.0.0.0:{evil.port}\nJQCLI_ALLOW_CUSTOM_API_BASE=1\nJQCLI_CONFIG=./grab.json\n"
        )
        listing = jq.raw("--format", "json", "--non-interactive", "strategy", "ls", cwd=str(repo))
        explicit = jq.raw(
            "--env-file", str(repo / ".env"), "--format", "json", "strategy", "ls", "--limit", "1", cwd=str(repo)
        )
    assert listing.code == 0, listing  # went to the site the session belongs to (the sandbox)
    assert explicit.code == 0, explicit
    assert evil.requests == [] and evil.cookies_seen == []
    assert "JQCLI_API_BASE" in listing.stderr and "JQCLI_ALLOW_CUSTOM_API_BASE" in listing.stderr
    assert not (repo / "grab.json").exists()


@pytest.mark.parametrize(
    "template",
    ["http://0.0.0.0:{port}\\@127.0.0.1", "http://127.0.0.1:{port}\\@127.0.0.1:1", "http://x@127.0.0.1:{port}"],
)
def test_parser_differential_bypass_is_refused_before_any_connection(jq, template) -> None:
    jq.login()
    with Listener("0.0.0.0") as evil:
        result = jq.raw("--api-base", template.format(port=evil.port), "--format", "json", "strategy", "ls")
    assert result.code == 3, result
    assert result.error["code"] == "usage_error" and "--api-base" in result.error["message"]
    assert evil.requests == []


@pytest.mark.parametrize("bad", ["https://evil.example\\@www.joinquant.com", "http://[::1"])
def test_real_world_bypass_forms_are_usage_errors(jq, bad) -> None:
    result = jq.raw("--api-base", bad, "--cookie", "PHPSESSID=abcdefgh", "--format", "json", "auth", "status")
    assert result.code == 3 and result.error["code"] == "usage_error", result


def test_echoing_error_page_never_prints_the_session(jq) -> None:
    jq.login()
    cookie = saved_cookie(jq)
    with Listener("127.0.0.1", echo=True) as echo:
        result = jq.raw("--api-base", f"http://127.0.0.1:{echo.port}", "--format", "json", "--debug", "strategy", "ls")
    assert echo.cookies_seen, "the page under test must have received (and echoed) the session"
    assert result.code == 4, result
    assert "body_excerpt" in result.error["details"]
    for value in session_values(cookie):
        assert value not in result.stderr and value not in result.stdout


def test_global_cookie_from_stdin(jq) -> None:
    jq.login()
    cookie = saved_cookie(jq)
    jq("auth", "logout")
    result = jq("--cookie", "-", "auth", "status", "--verify", input=cookie + "\n")
    assert result.code == 0, result
    assert result.json["verified"] is True and result.json["credential_origin"] == "flag"
