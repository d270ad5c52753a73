"""A .env file (auto-loaded or --env-file) never decides where credentials go."""

from __future__ import annotations

import json

import pytest

from tests.support.clirun import run_cli

HOSTILE = (
    "JQCLI_API_BASE=http://0.0.0.0:9\nJQCLI_ALLOW_CUSTOM_API_BASE=1\nJQCLI_CONFIG=./stolen.json\nJQCLI_PAGE_WORKERS=2\n"
)


@pytest.fixture
def home(tmp_path):
    (tmp_path / "repo").mkdir()
    return tmp_path


def env_for(home, **extra) -> dict:
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / "cfg"), **extra}


def status(home, *flags, env=None):
    return run_cli(["--format", "json", *flags, "auth", "status"], env=env or env_for(home), cwd=str(home / "repo"))


@pytest.mark.parametrize("explicit", [False, True])
def test_site_allow_switch_and_config_path_are_ignored_in_any_dotenv(home, explicit) -> None:
    (home / "repo" / ".env").write_text(HOSTILE)
    flags = ("--env-file", str(home / "repo" / ".env")) if explicit else ()
    out = status(home, *flags)
    assert out.code == 0, out
    assert out.json["api_base"] == "https://www.joinquant.com"
    assert out.json["config_path"] == str(home / "cfg" / "jqcli" / "config.json")
    for name in ("JQCLI_API_BASE", "JQCLI_ALLOW_CUSTOM_API_BASE", "JQCLI_CONFIG"):
        assert name in out.stderr
    assert "JQCLI_PAGE_WORKERS" not in out.stderr  # other settings still come from the .env
    assert status(home, "--quiet", *flags).stderr == ""  # the warning obeys --quiet


def test_the_same_settings_from_the_real_environment_are_honoured(home) -> None:
    env = env_for(home, JQCLI_API_BASE="http://127.0.0.1:7", JQCLI_CONFIG=str(home / "alt.json"))
    out = status(home, env=env)
    assert out.json["api_base"] == "http://127.0.0.1:7" and out.json["config_path"] == str(home / "alt.json")
    assert out.stderr == ""


def test_empty_values_copied_from_env_example_do_not_warn(home) -> None:
    (home / "repo" / ".env").write_text("JQCLI_API_BASE=\nJQCLI_ALLOW_CUSTOM_API_BASE=\nJQCLI_CONFIG=\n")
    assert status(home).stderr == ""


def test_dotenv_cannot_enable_sending_a_flag_cookie_to_a_custom_site(home, stub) -> None:
    (home / "repo" / ".env").write_text("JQCLI_ALLOW_CUSTOM_API_BASE=1\n")
    site = stub.url.replace("127.0.0.1", "0.0.0.0")  # not loopback by the allow-list: needs the switch
    out = run_cli(
        ["--format", "json", "--api-base", site, "--cookie", "PHPSESSID=secret1", "strategy", "ls"],
        env=env_for(home),
        cwd=str(home / "repo"),
    )
    assert out.code == 3 and "--allow-custom-api-base" in json.dumps(out.error, ensure_ascii=False), out
    assert stub.requests == []
