"""auth login / status --verify against a scripted site on 127.0.0.1."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from tests.support.clirun import run_cli
from tests.support.httpstub import Answer

LOGIN_PAGE = (
    '<html><head><title>用户登录 - 聚宽</title></head><body><form class="formPwdLogin"></form>'
    '<script>window.tokenData={name:"token",value:"0123456789abcdef0123456789abcdef01234567"}</script></body></html>'
)
OK_LOGIN = json.dumps({"code": "00000", "status": "0", "msg": "", "data": {"redirect": "/", "user": {"nickName": "n"}}})
IS_LOGIN = json.dumps(
    {
        "data": {"isLogin": 1, "userId": "r1", "userName": "13800000000", "alias": "演示"},
        "status": "0",
        "code": "00000",
        "msg": "",
    }
)


@pytest.fixture
def site(stub):
    stub.route(
        "GET",
        "/user/login/index",
        Answer(
            200,
            LOGIN_PAGE,
            content_type="text/html; charset=utf-8",
            headers=[("Set-Cookie", "PHPSESSID=pre; path=/"), ("Set-Cookie", "uid=dev1; path=/")],
        ),
    )
    stub.route(
        "POST",
        "/user/login/doLogin",
        Answer(
            200,
            OK_LOGIN,
            headers=[
                ("Set-Cookie", "PHPSESSID=sess2; path=/; HttpOnly"),
                ("Set-Cookie", "token=tok40; path=/; HttpOnly"),
            ],
        ),
    )
    stub.route("GET", "/user/index/isLogin", Answer(200, IS_LOGIN))
    return stub


def login(site, tmp_path, *extra, stdin="", env=None):
    base_env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), **(env or {})}
    return run_cli(
        ["--api-base", site.url, "--format", "json", "--non-interactive", "auth", "login", *extra],
        env=base_env,
        stdin=stdin,
        cwd=str(tmp_path),
    )


def saved(tmp_path) -> dict:
    return json.loads((tmp_path / "cfg" / "jqcli" / "config.json").read_text())


def test_login_posts_form_with_page_token_and_saves_every_cookie(site, tmp_path) -> None:
    outcome = login(site, tmp_path, "--username", "13800000000", "--password-stdin", stdin="p@ss word\n")
    assert outcome.json == {"ok": True, "username": "13800000000", "credential": "cookie"}, outcome
    form = parse_qs(site.hits("/user/login/doLogin")[0].body.decode())
    assert form == {
        "CyLoginForm[username]": ["13800000000"],
        "CyLoginForm[pwd]": ["p@ss word"],
        "token": ["0123456789abcdef0123456789abcdef01234567"],
    }
    post = site.hits("/user/login/doLogin")[0]
    assert post.headers["Cookie"] == "PHPSESSID=pre; uid=dev1"
    assert post.headers["X-Requested-With"] == "XMLHttpRequest"
    assert saved(tmp_path)["cookie"] == "PHPSESSID=sess2; uid=dev1; token=tok40"
    assert saved(tmp_path)["username"] == "13800000000"
    assert saved(tmp_path)["api_base"] == site.url
    assert "p@ss" not in outcome.stdout + outcome.stderr


def test_password_stdin_strips_exactly_one_newline(site, tmp_path) -> None:
    login(site, tmp_path, "--username", "u", "--password-stdin", stdin="pw\n\n")
    assert parse_qs(site.hits("/user/login/doLogin")[0].body.decode())["CyLoginForm[pwd]"] == ["pw\n"]


def test_credentials_from_environment(site, tmp_path) -> None:
    outcome = login(site, tmp_path, env={"JQCLI_USERNAME": "envuser", "JQCLI_PASSWORD": "envpw"})
    assert outcome.code == 0 and outcome.json["username"] == "envuser"
    assert parse_qs(site.hits("/user/login/doLogin")[0].body.decode())["CyLoginForm[pwd]"] == ["envpw"]


def test_missing_username_or_password_is_usage_error(site, tmp_path) -> None:
    assert login(site, tmp_path).code == 3
    assert login(site, tmp_path, "--username", "u").code == 3
    assert site.hits("/user/login/doLogin") == []


@pytest.mark.parametrize(
    ("answer", "code", "needle"),
    [
        ({"code": "20000", "status": "2", "msg": "用户不存在或密码错误"}, 1, "用户不存在或密码错误"),
        ({"code": 105, "status": "2", "msg": "登录次数过多"}, 1, "验证码"),
        ({"code": "20000", "status": "2", "msg": "操作太频繁了~"}, 4, "频繁"),
    ],
    ids=["wrong-password", "captcha", "too-frequent"],
)
def test_login_refusals_are_clear(site, tmp_path, answer, code, needle) -> None:
    site.route("POST", "/user/login/doLogin", Answer(200, json.dumps(answer)))
    outcome = login(site, tmp_path, "--username", "u", "--password-stdin", stdin="bad")
    assert outcome.code == code and needle in outcome.error["message"], outcome
    assert not (tmp_path / "cfg" / "jqcli" / "config.json").exists()


def test_login_page_without_token_is_api_error(site, tmp_path) -> None:
    site.route("GET", "/user/login/index", Answer(200, "<html>nothing</html>", content_type="text/html"))
    outcome = login(site, tmp_path, "--username", "u", "--password-stdin", stdin="pw")
    assert outcome.code == 4 and "token" in outcome.error["message"]


def test_login_refuses_a_foreign_host(tmp_path) -> None:
    outcome = run_cli(
        [
            "--api-base",
            "https://evil.example.com",
            "--format",
            "json",
            "auth",
            "login",
            "--username",
            "u",
            "--password-stdin",
        ],
        env={"HOME": str(tmp_path)},
        stdin="pw",
    )
    assert outcome.code == 3 and "拒绝" in outcome.error["message"]


def test_status_verify_checks_the_session_live(site, tmp_path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    argv = ["--api-base", site.url, "--cookie", "PHPSESSID=x; token=y", "--format", "json", "auth", "status"]
    plain = run_cli(argv, env=env)
    assert "verified" not in plain.json and site.hits("/user/index/isLogin") == []
    verified = run_cli([*argv, "--verify"], env=env)
    assert verified.json["verified"] is True and verified.json["session"]["alias"] == "演示"
    site.route(
        "GET",
        "/user/index/isLogin",
        Answer(200, json.dumps({"status": "1", "code": "10001", "msg": "", "redirect": "/user/login/index"})),
    )
    expired = run_cli([*argv, "--verify"], env=env)
    assert expired.code == 1 and expired.error["code"] == "not_authenticated"
    site.route(
        "GET",
        "/user/index/isLogin",
        Answer(200, json.dumps({"data": {"isLogin": 0}, "status": "0", "code": "00000"})),
    )
    assert run_cli([*argv, "--verify"], env=env).code == 1


def test_rotated_session_cookie_is_saved_back_to_config(site, tmp_path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    login(site, tmp_path, "--username", "u", "--password-stdin", stdin="pw")
    site.route("GET", "/user/index/isLogin", Answer(200, IS_LOGIN, headers=[("Set-Cookie", "token=rotated; path=/")]))
    outcome = run_cli(["--format", "json", "auth", "status", "--verify"], env=env, cwd=str(tmp_path))
    assert outcome.code == 0, outcome
    assert saved(tmp_path)["cookie"] == "PHPSESSID=sess2; uid=dev1; token=rotated"


def test_debug_log_redacts_secrets(site, tmp_path) -> None:
    outcome = login(site, tmp_path, "--username", "u", "--password-stdin", stdin="hunter2")
    debug = run_cli(
        ["--debug", "--api-base", site.url, "--format", "json", "auth", "status", "--verify"],
        env={"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")},
        cwd=str(tmp_path),
    )
    assert outcome.code == 0 and debug.code == 0
    assert "path=" in debug.stderr and "/user/index/isLogin" in debug.stderr and "status=200" in debug.stderr
    assert "ms=" in debug.stderr and "retries=0" in debug.stderr
    for secret in ("sess2", "tok40", "hunter2", "dev1"):
        assert secret not in debug.stderr


def test_library_connect_uses_the_same_precedence(site, tmp_path) -> None:
    from jqcli.entrypoints.bootstrap import connect

    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "JQCLI_COOKIE": "PHPSESSID=env"}
    with connect(api_base=site.url, environ=env, cwd=str(tmp_path)) as services:
        info = services.auth_gateway().session_info()
    assert info.logged_in and info.alias == "演示"
    assert site.hits("/user/index/isLogin")[0].headers["Cookie"] == "PHPSESSID=env"
    with connect(api_base=site.url, cookie="PHPSESSID=flag", environ=env, cwd=str(tmp_path)) as services:
        services.auth_gateway().session_info()
    assert site.hits("/user/index/isLogin")[1].headers["Cookie"] == "PHPSESSID=flag"
