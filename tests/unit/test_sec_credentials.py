"""Credential input: stdin forms of --cookie/--token, bad values never exit 70, the saved site kept with its cookie."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jqcli.entrypoints.cli import run
from jqcli.entrypoints.context import Stdio
from tests.support.clirun import Outcome, run_cli


@pytest.fixture
def home(tmp_path):
    (tmp_path / "work").mkdir()
    return tmp_path


def env_for(home, **extra) -> dict:
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / "cfg"), **extra}


def config(home) -> dict:
    return json.loads((home / "cfg" / "jqcli" / "config.json").read_text())


def cli(home, *argv, stdin="", env=None) -> Outcome:
    return run_cli(["--format", "json", *argv], env=env or env_for(home), cwd=str(home / "work"), stdin=stdin)


class BytesStdin(io.TextIOWrapper):
    """A stdin whose raw bytes are given (what a pipe delivers), with a ``buffer``."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data), encoding="utf-8")

    def isatty(self) -> bool:
        return False


def run_bytes(home, argv, data: bytes) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    code = run(["--format", "json", *argv], Stdio(BytesStdin(data), out, err), environ=env_for(home), cwd=str(home))
    return Outcome(code, out.getvalue(), err.getvalue())


# -- item 4: --cookie - / --token - ---------------------------------------------------------------
def test_global_cookie_and_token_read_from_stdin(home) -> None:
    data = cli(home, "--cookie", "-", "auth", "status", stdin="PHPSESSID=abcdef; token=123456\n").json
    assert (data["credential_source"], data["credential_origin"]) == ("cookie", "flag")
    data = cli(home, "--token", "-", "auth", "status", stdin="tok123\n").json
    assert (data["credential_source"], data["credential_origin"]) == ("token", "flag")


def test_global_stdin_secret_cannot_share_stdin(home) -> None:
    empty = cli(home, "--cookie", "-", "auth", "status", stdin="\n")
    assert empty.code == 3 and "--cookie" in empty.error["message"]
    both = cli(home, "--token", "-", "auth", "import-cookie", "--cookie", "-", stdin="a=1\n")
    assert both.code == 3 and "stdin" in both.error["message"]


def test_global_help_mentions_the_stdin_form(home) -> None:
    assert "stdin" in cli(home, "--help").stdout


# -- item 17: bad cookie/token values are usage/file errors, never 70 --------------------------------
@pytest.mark.parametrize("value", ["名=值", "PHPSESSID=a\r\nX-Evil: 1", "a=1\nb=2", "PHPSESSID=\x00x", "PHPSESSID=é"])
def test_bad_flag_cookie_is_usage_error(home, value) -> None:
    out = cli(home, "--cookie", value, "auth", "status")
    assert out.code == 3, out
    assert out.error["code"] == "usage_error" and "--cookie" in out.error["message"]


@pytest.mark.parametrize("value", ["令牌", "t\r\nX: 1", "a;b"])
def test_bad_flag_token_is_usage_error(home, value) -> None:
    out = cli(home, "--token", value, "auth", "status")
    assert out.code == 3 and "--token" in out.error["message"], out


def test_bad_cookie_from_env_and_dotenv_is_usage_error_naming_its_source(home) -> None:
    out = cli(home, "auth", "status", env=env_for(home, JQCLI_COOKIE="名=值"))
    assert out.code == 3 and "环境变量 JQCLI_COOKIE" in out.error["message"]
    (home / "work" / ".env").write_text('JQCLI_COOKIE="PHPSESSID=a\\r\\nX: 1"\n')
    out = cli(home, "auth", "status")
    assert out.code == 3 and ".env" in out.error["message"] and "JQCLI_COOKIE" in out.error["message"]


def test_bad_cookie_in_config_is_file_error_and_logout_clears_it(home) -> None:
    path = home / "cfg" / "jqcli" / "config.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"cookie": "名=值"}, ensure_ascii=False))
    out = cli(home, "auth", "status")
    assert out.code == 6 and out.error["details"]["path"] == str(path)
    assert cli(home, "auth", "logout").code == 0
    assert cli(home, "auth", "status").json["authenticated"] is False


@pytest.mark.parametrize("value", ["名=值", "a=1\r\nb=2"])
def test_import_cookie_refuses_values_that_cannot_be_sent(home, value) -> None:
    out = cli(home, "auth", "import-cookie", "--cookie", value)
    assert out.code == 3 and not (home / "cfg" / "jqcli" / "config.json").exists()


def test_password_stdin_that_is_not_utf8_is_usage_error(home) -> None:
    out = run_bytes(home, ["auth", "login", "--username", "u", "--password-stdin"], b"\xff\xfe")
    assert out.code == 3, out
    assert "UTF-8" in out.error["message"]


# -- item 12: login/import keep the saved site with the credential ------------------------------------
def test_import_without_api_base_keeps_the_saved_site(home) -> None:
    assert cli(home, "--api-base", "http://127.0.0.1:1", "auth", "import-cookie", "--cookie", "PHPSESSID=a").code == 0
    assert config(home)["api_base"] == "http://127.0.0.1:1"
    again = cli(home, "auth", "import-cookie", "--cookie", "PHPSESSID=b")
    assert again.code == 0 and "http://127.0.0.1:1" in again.stderr  # says where the credential belongs
    assert config(home) == {"api_base": "http://127.0.0.1:1", "cookie": "PHPSESSID=b"}
    assert cli(home, "auth", "import-token", "--token", "tok").code == 0
    assert config(home) == {"api_base": "http://127.0.0.1:1", "token": "tok"}
    assert cli(home, "auth", "status").json["api_base"] == "http://127.0.0.1:1"


def test_import_for_the_default_site_clears_the_saved_site(home) -> None:
    cli(home, "--api-base", "http://127.0.0.1:1", "auth", "import-cookie", "--cookie", "PHPSESSID=a")
    out = cli(home, "--api-base", "https://www.joinquant.com", "auth", "import-cookie", "--cookie", "PHPSESSID=b")
    assert out.code == 0
    assert config(home) == {"cookie": "PHPSESSID=b"}


def test_login_without_api_base_logs_in_to_and_saves_for_the_saved_site(home, stub) -> None:
    from tests.support.httpstub import Answer

    page = "<script>window.tokenData = {name: 'token', value: 'pagetoken'};</script>"
    stub.route("GET", "/user/login/index", Answer(200, page, content_type="text/html"))
    stub.route(
        "POST",
        "/user/login/doLogin",
        Answer(
            200, json.dumps({"code": "00000", "status": "0", "data": {}}), headers=[("Set-Cookie", "PHPSESSID=new")]
        ),
    )
    stub.route("GET", "/user/index/isLogin", Answer(200, json.dumps({"data": {"isLogin": 1}, "code": "00000"})))
    cli(home, "--api-base", stub.url, "auth", "import-cookie", "--cookie", "PHPSESSID=old")
    out = cli(home, "auth", "login", "--username", "u", "--password-stdin", stdin="pw\n")
    assert out.code == 0, out
    assert config(home)["api_base"] == stub.url and config(home)["cookie"] == "PHPSESSID=new"
    assert stub.hits("/user/login/doLogin"), "the login went to the saved site"


# -- item 17: no credential or site value ends in exit 70 ----------------------------------------------
_TRICKY = st.text(alphabet=st.sampled_from(list("aZ09=;: @\\/[]%.-_\t\r\n\x00\x7f名é\u2028\ufeff")), max_size=24)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(["--cookie", "--token", "--api-base"]), value=_TRICKY)
def test_no_credential_or_site_value_is_an_internal_error(home, option, value) -> None:
    out = cli(home, f"{option}={value}", "auth", "status")
    assert out.code in (0, 3), out
    env_name = {"--cookie": "JQCLI_COOKIE", "--token": "JQCLI_TOKEN", "--api-base": "JQCLI_API_BASE"}[option]
    out = cli(home, "auth", "status", env=env_for(home, **{env_name: value}))
    assert out.code in (0, 3), out
