"""The JoinQuant session against a scripted HTTP server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from jqcli.adapters.http import HttpRequest, HttpResponse
from jqcli.adapters.joinquant.session import (
    JoinQuantSession,
    RetryPolicy,
    credentials_allowed,
    parse_retry_after,
)
from jqcli.adapters.joinquant.transport import Urllib3Transport
from jqcli.domain.errors import ApiError, NetworkError, NotAuthenticated, NotFound, UsageError
from tests.support.httpstub import Answer, Reset, Truncated

OK = json.dumps({"data": {"x": 1}, "status": "0", "code": "00000", "msg": ""})
LOGIN_HTML = (
    "<html><head><title>用户登录 - 聚宽</title></head><body>"
    '<form class="formPwdLogin"><input name="CyLoginForm[username]"></form></body></html>'
)
PAGE_WITH_LOGOUT = (
    '<html><head><title>我的策略 - 聚宽</title></head><body><a href="/user/login/logout">退出</a></body></html>'
)


def make_session(url: str, cookie: str = "PHPSESSID=abc; token=t0", **kwargs) -> tuple[JoinQuantSession, list]:
    sleeps: list = []
    session = JoinQuantSession(
        api_base=url,
        transport=Urllib3Transport(private=True),
        cookie=cookie,
        timeout=5,
        retry=kwargs.pop("retry", RetryPolicy(max_retries=3, base_delay=0.01, max_delay=0.05)),
        sleep=sleeps.append,
        **kwargs,
    )
    return session, sleeps


def test_get_is_retried_on_502_503_504_then_succeeds(stub) -> None:
    stub.route("GET", "/j", Answer(502, "bad"), Answer(503, "busy"), Answer(504, "slow"), Answer(200, OK))
    session, sleeps = make_session(stub.url)
    assert session.get_json("/j")["data"] == {"x": 1}
    assert len(stub.hits("/j")) == 4
    assert len(sleeps) == 3 and all(0 <= s <= 0.05 for s in sleeps)


def test_get_gives_up_after_max_retries_with_api_error(stub) -> None:
    stub.route("GET", "/j", Answer(503, "busy"))
    session, _ = make_session(stub.url)
    with pytest.raises(ApiError) as info:
        session.get_json("/j")
    assert info.value.details["status"] == 503
    assert len(stub.hits("/j")) == 4


def test_429_honours_retry_after(stub) -> None:
    stub.route("GET", "/j", Answer(429, "slow down", headers=[("Retry-After", "7")]), Answer(200, OK))
    session, sleeps = make_session(stub.url)
    assert session.get_json("/j")["code"] == "00000"
    assert sleeps == [7.0]


def test_retry_after_is_capped(stub) -> None:
    stub.route("GET", "/j", Answer(429, "", headers=[("Retry-After", "100000")]), Answer(200, OK))
    session, sleeps = make_session(stub.url, retry=RetryPolicy(max_retry_after=30))
    session.timeout = 60  # the retry budget (2 x timeout) leaves room for the capped wait
    session.get_json("/j")
    assert sleeps == [30]


def test_post_is_never_retried_on_5xx(stub) -> None:
    stub.route("POST", "/algorithm/index/build", Answer(503, "busy"), Answer(200, OK))
    session, sleeps = make_session(stub.url)
    with pytest.raises(ApiError):
        session.post_json("/algorithm/index/build", {"a": "1"})
    assert len(stub.hits("/algorithm/index/build")) == 1 and sleeps == []


def test_post_is_never_retried_on_connection_reset(stub) -> None:
    stub.route("POST", "/algorithm/index/save", Reset(), Answer(200, OK))
    session, _ = make_session(stub.url)
    with pytest.raises(NetworkError) as info:
        session.post_json("/algorithm/index/save", {"a": "1"})
    assert len(stub.hits("/algorithm/index/save")) == 1
    assert "不会自动重试" in info.value.details["hint"]


def test_get_is_retried_after_reset_and_truncated_body(stub) -> None:
    stub.route("GET", "/j", Reset(), Truncated(200, OK), Answer(200, OK))
    session, sleeps = make_session(stub.url)
    assert session.get_json("/j")["data"] == {"x": 1}
    assert len(stub.hits("/j")) == 3 and len(sleeps) == 2


def test_truncated_body_is_a_network_error_when_retries_run_out(stub) -> None:
    stub.route("GET", "/j", Truncated(200, OK))
    session, _ = make_session(stub.url, retry=RetryPolicy(max_retries=0))
    with pytest.raises(NetworkError):
        session.get_json("/j")


@pytest.mark.parametrize(
    "answer",
    [
        Answer(302, "", headers=[("Location", "/user/login/index?redirect=%2Falgorithm%2Findex%2Flist")]),
        Answer(401, "no"),
        Answer(403, "no"),
        Answer(
            200,
            json.dumps({"status": "1", "code": "10001", "msg": "请先登录", "redirect": "/user/login/index"}),
        ),
        Answer(200, json.dumps({"status": 1, "code": 10001, "msg": ""})),
        Answer(200, json.dumps({"status": "1", "code": "20000", "redirect": "/user/login/index?x=1"})),
        Answer(200, LOGIN_HTML, content_type="text/html; charset=utf-8"),
    ],
    ids=["302-login", "401", "403", "json-10001", "json-10001-numbers", "json-redirect", "login-page-html"],
)
def test_every_expiry_shape_is_not_authenticated_for_json(stub, answer) -> None:
    stub.route("GET", "/j", answer)
    session, _ = make_session(stub.url)
    with pytest.raises(NotAuthenticated):
        session.get_json("/j")


@pytest.mark.parametrize(
    "answer",
    [
        Answer(302, "", headers=[("Location", "http://x/user/login/index?redirect=/algorithm")]),
        Answer(200, LOGIN_HTML, content_type="text/html"),
        Answer(401, ""),
    ],
    ids=["302", "login-page", "401"],
)
def test_every_expiry_shape_is_not_authenticated_for_pages(stub, answer) -> None:
    stub.route("GET", "/algorithm/index/list", answer)
    session, _ = make_session(stub.url)
    with pytest.raises(NotAuthenticated):
        session.get_text("/algorithm/index/list")


def test_logout_link_on_a_normal_page_is_not_mistaken_for_expiry(stub) -> None:
    stub.route("GET", "/algorithm/index/list", Answer(200, PAGE_WITH_LOGOUT, content_type="text/html"))
    session, _ = make_session(stub.url)
    assert "我的策略" in session.get_text("/algorithm/index/list")


def test_non_login_redirect_is_returned_not_followed(stub) -> None:
    stub.route(
        "POST",
        "/algorithm/index/new",
        Answer(302, "", headers=[("Location", "/algorithm/index/edit?algorithmId=ab")]),
    )
    session, _ = make_session(stub.url)
    response = session.post_form("/algorithm/index/new", {"code": "x"})
    assert response.status == 302 and response.header("Location").endswith("algorithmId=ab")
    assert stub.hits("/algorithm/index/edit") == []


def test_follow_stays_on_the_same_origin(stub) -> None:
    stub.route("GET", "/a", Answer(302, "", headers=[("Location", "/b")]))
    stub.route("GET", "/b", Answer(200, "<html>b</html>", content_type="text/html"))
    stub.route("GET", "/c", Answer(302, "", headers=[("Location", "https://elsewhere.example/x")]))
    session, _ = make_session(stub.url)
    assert session.get_text("/a", follow=True) == "<html>b</html>"
    assert session.request("GET", "/c", follow=True).status == 302


def test_set_cookie_rotation_is_kept_for_later_requests(stub) -> None:
    stub.route(
        "GET",
        "/one",
        Answer(
            200,
            OK,
            headers=[
                ("Set-Cookie", "token=t1; path=/; HttpOnly"),
                ("Set-Cookie", "uid=u9; expires=Wed, 01 Jan 2031 00:00:00 GMT"),
            ],
        ),
    )
    stub.route("GET", "/two", Answer(200, OK))
    session, _ = make_session(stub.url)
    session.get_json("/one")
    session.get_json("/two")
    sent = stub.hits("/two")[0].headers["Cookie"]
    assert sent == "PHPSESSID=abc; token=t1; uid=u9"
    assert session.jar.changed and session.jar.session_rotated


def test_deleted_cookie_is_dropped(stub) -> None:
    stub.route("GET", "/one", Answer(200, OK, headers=[("Set-Cookie", "token=deleted; Max-Age=0; path=/")]))
    session, _ = make_session(stub.url)
    session.get_json("/one")
    assert session.jar.header() == "PHPSESSID=abc"


def test_404_is_not_found_and_html_instead_of_json_is_api_error(stub) -> None:
    stub.route("GET", "/html", Answer(200, "<html>maintenance</html>", content_type="text/html"))
    session, _ = make_session(stub.url)
    with pytest.raises(NotFound):
        session.get_json("/missing")
    with pytest.raises(ApiError) as info:
        session.get_json("/html")
    assert info.value.details["body_excerpt"] == "<html>maintenance</html>"


def test_geo_block_page_is_a_clear_api_error(stub) -> None:
    stub.route("GET", "/j", Answer(200, "<html><body>当前地区暂不支持访问</body></html>", content_type="text/html"))
    session, _ = make_session(stub.url)
    with pytest.raises(ApiError, match="当前地区"):
        session.get_json("/j")


def test_headers_sent_xhr_referer_and_form(stub) -> None:
    stub.route("POST", "/algorithm/index/del", Answer(200, OK))
    session, _ = make_session(stub.url)
    session.post_json("/algorithm/index/del", {"algorithmId": "r1"}, referer="/algorithm/index/list")
    hit = stub.hits("/algorithm/index/del")[0]
    assert hit.headers["X-Requested-With"] == "XMLHttpRequest"
    assert hit.headers["Referer"] == stub.url + "/algorithm/index/list"
    assert hit.body == b"algorithmId=r1"


class CapturingTransport:
    def __init__(self) -> None:
        self.sent: list[HttpRequest] = []

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        self.sent.append(request)
        return HttpResponse(200, (("Content-Type", "application/json"),), OK.encode(), request.url)

    def close(self) -> None:
        return None


def test_credentials_are_refused_for_a_foreign_host() -> None:
    transport = CapturingTransport()
    session = JoinQuantSession(api_base="https://evil.example.com", transport=transport, cookie="token=t")
    with pytest.raises(UsageError) as info:
        session.get_json("/algorithm/index/list")
    assert "--allow-custom-api-base" in info.value.details["hint"]
    assert transport.sent == []


def test_optional_auth_goes_anonymous_to_a_foreign_host() -> None:
    transport = CapturingTransport()
    session = JoinQuantSession(api_base="https://mirror.example.com", transport=transport, cookie="token=t")
    session.get_json("/community/post/listV2", auth="optional")
    assert all(name != "Cookie" for name, _ in transport.sent[0].headers)


def test_foreign_host_allowed_explicitly() -> None:
    transport = CapturingTransport()
    session = JoinQuantSession(
        api_base="https://mirror.example.com",
        transport=transport,
        cookie="token=t",
        allow_custom_api_base=True,
    )
    session.get_json("/x")
    assert ("Cookie", "token=t") in transport.sent[0].headers


def test_missing_credentials_are_not_authenticated_before_any_request() -> None:
    transport = CapturingTransport()
    session = JoinQuantSession(api_base="https://www.joinquant.com", transport=transport)
    with pytest.raises(NotAuthenticated):
        session.get_text("/algorithm/index/list")
    assert transport.sent == []


@pytest.mark.parametrize(
    ("base", "allowed"),
    [
        ("https://www.joinquant.com", True),
        ("https://joinquant.com", True),
        ("http://www.joinquant.com", False),
        ("https://joinquant.com.evil.io", False),
        ("https://evil-joinquant.com", False),
        ("http://127.0.0.1:8000", True),
        ("http://localhost:1", True),
        ("http://sandbox.localhost", True),
        ("http://[::1]:80", True),
        ("http://10.0.0.1", False),
    ],
)
def test_credentials_allowed_hosts(base: str, allowed: bool) -> None:
    assert credentials_allowed(base) is allowed


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_strategy_code_mentioning_login_markers_is_not_a_login_page(stub) -> None:
    editor = (
        '<html><head><title>策略编辑 - 聚宽</title></head><body><form name="AlgorithmModel">'
        '<textarea name="algorithm[code]" id="code"># CyLoginForm[username] name=&quot;CyLoginForm[username]&quot;\n'
        '# class="formPwdLogin"</textarea></form></body></html>'
    )
    stub.route("GET", "/algorithm/index/edit", Answer(200, editor, content_type="text/html"))
    session, _ = make_session(stub.url)
    assert "AlgorithmModel" in session.get_text("/algorithm/index/edit")


def test_page_answered_with_the_json_expiry_envelope_is_not_authenticated(stub) -> None:
    body = json.dumps({"status": "1", "code": "10001", "msg": "请先登录", "redirect": "/user/login/index"})
    stub.route("GET", "/algorithm/index/list", Answer(200, body))
    session, _ = make_session(stub.url)
    with pytest.raises(NotAuthenticated):
        session.get_text("/algorithm/index/list")
