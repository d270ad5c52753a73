"""Every credential the process holds is redacted from excerpts, errors and --debug log lines."""

from __future__ import annotations

import io
import json

import pytest

from jqcli.adapters.joinquant.debuglog import StructlogRequestLog
from jqcli.adapters.joinquant.session import JoinQuantSession, excerpt
from jqcli.adapters.joinquant.transport import Urllib3Transport
from jqcli.domain.errors import ApiError
from jqcli.domain.redaction import SECRETS, Redactor
from tests.support.clirun import run_cli
from tests.support.httpstub import Answer

SESSION = "q8e7r6t5y4u3i2o1p0asdfgh"  # 24 chars, not hex: the old hex-run rule missed it
TOKEN = "Tk-9f8e7d6c5b4a"
ROTATED = "rotated-SeSsIoN-value"


def echo_page(cookie_header: str) -> str:
    return (
        "<html><body><h1>500 Internal Server Error</h1><pre>"
        f"GET /algorithm/index/list HTTP/1.1\r\nHost: www.joinquant.com\r\nCookie: {cookie_header}\r\n"
        f"</pre><p>debug: session={SESSION} user_token={TOKEN} PHPSESSID={SESSION}</p></body></html>"
    )


def test_redactor_knows_registered_values_and_cookie_shapes() -> None:
    redactor = Redactor()
    redactor.add(f"PHPSESSID={SESSION}; token={TOKEN}; short=1")
    text = redactor.redact(f"a {SESSION} b {TOKEN} c PHPSESSID=zzzzzz token=yyyyyy1 'password': 'pw'")
    assert SESSION not in text and TOKEN not in text
    assert "zzzzzz" not in text and "yyyyyy1" not in text and "'pw'" not in text
    assert "short=1" not in redactor.redact("Cookie: short=1; x=2")  # a header echo loses its whole value
    # percent-encoded echoes (a form or query repeated by the page) are redacted too
    redactor.add("p@ss word!")
    assert "p%40ss" not in redactor.redact("CyLoginForm%5Bpwd%5D=p%40ss+word%21 and p%40ss%20word%21")
    # ids are not secrets: error details keep 32-hex backtest ids
    assert redactor.redact("backtest 0123456789abcdef0123456789abcdef").endswith("0123456789abcdef0123456789abcdef")


def test_error_details_and_messages_are_redacted_at_construction() -> None:
    SECRETS.add(f"PHPSESSID={SESSION}")
    error = ApiError(f"boom {SESSION}", details={"nested": [{"v": f"x{SESSION}y"}], "n": 3}, hint=SESSION)
    dumped = json.dumps({"m": error.message, "d": error.details, "s": str(error)})
    assert SESSION not in dumped and '"n": 3' in dumped


def test_excerpt_never_shows_half_a_secret_at_its_window_edge() -> None:
    SECRETS.add(SESSION)
    body = " " * 19990 + SESSION + " tail"
    assert SESSION[:8] not in excerpt(body)


def test_echoing_error_page_does_not_print_the_session(stub) -> None:
    stub.route("GET", "/algorithm/index/list", Answer(500, echo_page("placeholder"), content_type="text/html"))
    session = JoinQuantSession(
        api_base=stub.url, transport=Urllib3Transport(private=True), cookie=f"PHPSESSID={SESSION}; token={TOKEN}"
    )
    with pytest.raises(ApiError) as caught:
        session.get_text("/algorithm/index/list")
    shown = json.dumps(caught.value.details, ensure_ascii=False) + caught.value.message
    assert "body_excerpt" in caught.value.details
    assert SESSION not in shown and TOKEN not in shown


def test_rotated_cookie_from_set_cookie_is_a_secret_too(stub) -> None:
    stub.route(
        "GET",
        "/j",
        Answer(200, "{}", headers=[("Set-Cookie", f"PHPSESSID={ROTATED}; path=/")]),
    )
    stub.route("GET", "/bad", Answer(200, f"<html>not json, your session is {ROTATED}</html>"))
    session = JoinQuantSession(api_base=stub.url, transport=Urllib3Transport(private=True), cookie="PHPSESSID=old")
    session.get_json("/j")
    with pytest.raises(ApiError) as caught:
        session.get_json("/bad")
    assert ROTATED not in json.dumps(caught.value.details)


def test_debug_log_lines_are_redacted() -> None:
    SECRETS.add(TOKEN)
    stream = io.StringIO()
    StructlogRequestLog(stream).request(method="GET", path=f"/x/{TOKEN}?a=1", status=200)
    assert TOKEN not in stream.getvalue() and "/x/" in stream.getvalue()


def test_cli_error_for_an_echo_page_prints_no_credential(stub, tmp_path) -> None:
    cookie = f"PHPSESSID={SESSION}; token={TOKEN}"
    stub.route("GET", "/algorithm/index/list", Answer(500, echo_page(cookie), content_type="text/html"))
    out = run_cli(
        ["--format", "json", "--debug", "--api-base", stub.url, "--cookie", cookie, "strategy", "ls"],
        env={"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")},
        cwd=str(tmp_path),
    )
    assert out.code == 4, out
    assert "body_excerpt" in out.error["details"]
    assert SESSION not in out.stderr and TOKEN not in out.stderr
    assert "500" in out.stderr
