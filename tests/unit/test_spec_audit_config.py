"""Spec conformance audit (session 5): a config value of the wrong JSON type is a file_error, never ignored.

A string that is not a valid ``api_base`` or cookie was already a file_error naming the file; a
number, list or object in the same place was silently dropped, so ``{"api_base": 5, "cookie": …}``
sent the saved cookie to the default site instead of failing.
"""

from __future__ import annotations

import io
import json

import pytest

from jqcli.entrypoints.cli import run
from jqcli.entrypoints.context import Stdio
from tests.support.clirun import FakeStdin


def auth_status(tmp_path, config: dict) -> tuple:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "data")}
    out, err = io.StringIO(), io.StringIO()
    argv = ["--config", str(path), "--format", "json", "auth", "status"]
    code = run(argv, Stdio(FakeStdin(""), out, err), environ=env, cwd=str(tmp_path))
    return code, out.getvalue(), err.getvalue(), str(path)


@pytest.mark.parametrize(
    "config, key",
    [
        ({"api_base": 5, "cookie": "PHPSESSID=abc"}, "api_base"),
        ({"api_base": ["https://www.joinquant.com"]}, "api_base"),
        ({"token": 123}, "token"),
        ({"cookie": ["PHPSESSID=abc"]}, "cookie"),
        ({"cookie": "PHPSESSID=abc", "username": {"name": "x"}}, "username"),
    ],
)
def test_a_config_value_of_the_wrong_type_is_a_file_error_naming_the_file(tmp_path, config, key) -> None:
    code, out, err, path = auth_status(tmp_path, config)
    assert code == 6 and out == ""
    error = json.loads(err)["error"]
    assert error["code"] == "file_error" and set(error) == {"code", "message", "details"}
    assert error["details"]["path"] == path and error["details"]["key"] == key


def test_null_values_still_read_as_absent(tmp_path) -> None:
    code, out, err, _ = auth_status(tmp_path, {"api_base": None, "cookie": None, "token": None, "username": None})
    assert code == 0, err
    status = json.loads(out)
    assert status["authenticated"] is False and status["api_base"] == "https://www.joinquant.com"


def cli_in(tmp_path, argv: list, stdin: str = "") -> tuple:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "data")}
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, Stdio(FakeStdin(stdin), out, err), environ=env, cwd=str(tmp_path))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("kind", ["token", "cookie"])
def test_an_oversized_credential_is_refused_before_it_is_saved(tmp_path, kind) -> None:
    # before: a 2 MB value piped to import-token was saved, and the 2 MB config then made every
    # later command fail with 「配置文件过大」 until auth logout
    value = "a=" + "x" * 2_000_000
    code, out, err = cli_in(tmp_path, ["--format", "json", "auth", f"import-{kind}", f"--{kind}", "-"], value)
    assert code == 3 and out == ""
    assert json.loads(err)["error"]["code"] == "usage_error" and "过长" in err
    assert not (tmp_path / "cfg" / "jqcli" / "config.json").exists()
    code, out, err = cli_in(tmp_path, ["--format", "json", "auth", "status"])
    assert code == 0 and json.loads(out)["authenticated"] is False


def test_a_long_but_plausible_cookie_is_still_accepted(tmp_path) -> None:
    cookie = "PHPSESSID=abc; token=" + "t" * 8000 + "; Hm_lvt=" + "1" * 4000
    code, out, err = cli_in(tmp_path, ["--format", "json", "auth", "import-cookie", "--cookie", cookie])
    assert code == 0, err
    code, out, err = cli_in(tmp_path, ["--format", "json", "auth", "status"])
    assert code == 0 and json.loads(out)["credential_source"] == "cookie"


def test_an_oversized_cookie_flag_is_a_usage_error(tmp_path) -> None:
    code, out, err = cli_in(tmp_path, ["--cookie", "a=" + "x" * 20_000, "--format", "json", "auth", "status"])
    assert code == 3 and "--cookie" in json.loads(err)["error"]["message"]


@pytest.mark.parametrize("option", ["--api-base", "--config", "--env-file", "--cookie", "--token"])
@pytest.mark.parametrize("blank", ["", "  "])
def test_an_empty_global_option_is_a_usage_error_not_the_default(tmp_path, option, blank) -> None:
    # before: `--api-base "$URL"` with URL unset silently meant the real site and the saved credentials,
    # `--config ""` the default config file, `--cookie ""` the saved cookie
    code, out, err = cli_in(tmp_path, [option, blank, "--format", "json", "auth", "status"])
    assert code == 3 and out == ""
    error = json.loads(err)["error"]
    assert error["code"] == "usage_error" and error["details"]["option"] == option
