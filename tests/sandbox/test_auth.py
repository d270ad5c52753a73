"""Login, liveness and expiry, from protocol.md §1.2, §1.7, §2.1, §2.2 and §7.3."""

from __future__ import annotations

import re

from jqcli.adapters.sandbox.site.app import DEMO_PASSWORD, DEMO_USERNAME
from tests.sandbox.conftest import XHR, Client

EXPIRED_JSON = {"status": "1", "code": "10001", "msg": "请先登录", "redirect": "/user/login/index"}


def test_login_page_sets_phpsessid_and_embeds_a_40_hex_token(anon) -> None:
    resp = anon.get("/user/login/index")
    assert resp.status == 200
    assert re.fullmatch(r"[a-z0-9]{26}", anon.cookies["PHPSESSID"])
    assert re.search(r'window\.tokenData=\{name:"token",value:"[0-9a-f]{40}"\}', resp.text)
    assert "<title>用户登录 - 聚宽</title>" in resp.text
    dom = resp.dom
    assert dom.find("form", cls="formPwdLogin").attrs["action"] == "/user/login/doLogin"
    assert dom.find("input", name="CyLoginForm[username]") and dom.find("input", name="CyLoginForm[pwd]")


def test_dologin_with_cylogin_fields_sets_session_and_token_cookies(anon) -> None:
    page = anon.get("/user/login/index").text
    token = re.search(r'value:"([0-9a-f]{40})"', page).group(1)
    form = {"CyLoginForm[username]": DEMO_USERNAME, "CyLoginForm[pwd]": DEMO_PASSWORD, "token": token}
    resp = anon.post("/user/login/doLogin", form, headers=XHR)
    body = resp.json
    assert body["code"] == "00000" and body["status"] == "0" and body["data"]["redirect"] == "/"
    assert body["data"]["user"]["user"] == DEMO_USERNAME
    names = [c.split("=")[0] for c in resp.header_list("Set-Cookie")]
    assert names == ["PHPSESSID", "token"]
    assert re.fullmatch(r"[0-9a-f]{40}", anon.cookies["token"])
    assert anon.get("/algorithm/index/list").status == 200


def test_wrong_password_answers_the_sites_refusal(anon) -> None:
    resp = anon.post("/user/login/doLoginByText", {"username": DEMO_USERNAME, "pwd": "nope"}, headers=XHR)
    assert resp.json == {"data": None, "status": "2", "code": "20000", "msg": "用户不存在或密码错误"}
    assert "token" not in anon.cookies


def test_repeated_failures_force_captcha_code_105_as_a_number(make_app) -> None:
    app = make_app(captcha_after=3)
    c = Client(app)
    for _ in range(3):
        c.post("/user/login/doLoginByText", {"username": DEMO_USERNAME, "pwd": "bad"})
    resp = c.post("/user/login/doLoginByText", {"username": DEMO_USERNAME, "pwd": DEMO_PASSWORD})
    assert resp.json["code"] == 105 and resp.json["msg"] == "登录次数过多"
    app.reset_login_failures()
    assert (
        c.post("/user/login/doLoginByText", {"username": DEMO_USERNAME, "pwd": DEMO_PASSWORD}).json["code"] == "00000"
    )


def test_islogin_reports_login_with_rotating_user_id_and_stable_unique_key(client, anon) -> None:
    assert anon.get("/user/index/isLogin").json["data"] == {"isLogin": 0}
    first, second = client.get("/user/index/isLogin").json["data"], client.post("/user/index/isLogin").json["data"]
    assert first["isLogin"] == 1 and first["userName"] == DEMO_USERNAME
    assert first["userId"] != second["userId"] and re.fullmatch(r"[0-9a-f]{32}", first["userId"])
    assert first["uniqueKey"] == second["uniqueKey"]


def test_session_ttl_expiry_answers_pages_with_302_and_json_with_10001(make_app, clock) -> None:
    app = make_app(session_ttl=60)
    c = Client(app)
    c.login()
    assert c.get("/algorithm/index/list?page=2").status == 200
    clock.advance(61)
    page = c.get("/algorithm/index/list?page=2", headers=XHR)
    assert page.status == 302 and page.body == b""
    assert page.header("Location") == "/user/login/index?redirect=%2Falgorithm%2Findex%2Flist%3Fpage%3D2"
    stats = c.get("/algorithm/index/save", headers=XHR)
    assert stats.status == 200 and stats.json == EXPIRED_JSON
    assert c.get("/user/index/isLogin").json["data"]["isLogin"] == 0


def test_explicit_expiry_by_function_and_admin_endpoint(app) -> None:
    a, b = Client(app), Client(app)
    a.login()
    b.login()
    assert app.expire_sessions(DEMO_USERNAME) >= 2
    assert a.get("/algorithm/index/list").status == 302
    b.login()
    assert b.post("/__sandbox__/expire-sessions").json["ok"] is True
    assert b.get("/algorithm/index/list").status == 302


def test_lone_token_cookie_serves_community_json_but_not_strategy_pages(client, app) -> None:
    token_only = Client(app)
    token_only.cookies = {"token": client.cookies["token"]}
    assert token_only.get("/algorithm/index/list").status == 302
    post = _post_with_backtest(token_only)
    check = token_only.post(
        "/community/post/checkBacktestView", {"postId": post["postId"], "backId": post["backtestId"]}
    )
    assert check.json["code"] == "00000" and check.json["data"]["amount"] == 100
    anon = Client(app)
    refused = anon.post("/community/post/checkBacktestView", {"postId": post["postId"], "backId": post["backtestId"]})
    assert refused.json == EXPIRED_JSON


def test_forged_cookie_is_not_logged_in(anon) -> None:
    anon.cookies = {"PHPSESSID": "forged", "token": "f" * 40}
    assert anon.get("/user/index/isLogin").json["data"]["isLogin"] == 0
    assert anon.get("/algorithm/index/list").status == 302


def _post_with_backtest(c: Client) -> dict:
    posts = c.get("/community/post/listV2?limit=50").json["data"]["list"]
    return next(p for p in posts if p["backtestId"])
