"""Config file, .env, credential precedence and the local auth commands."""

from __future__ import annotations

import json
import os
import stat

import pytest

from jqcli.adapters.config.paths import default_config_path, default_data_dir
from jqcli.adapters.config.store import JsonConfigStore
from jqcli.domain.credentials import Credentials, resolve_credentials
from jqcli.domain.errors import FileError
from tests.support.clirun import run_cli


@pytest.fixture
def home(tmp_path):
    (tmp_path / "work").mkdir()
    return tmp_path


def env_for(home, **extra) -> dict:
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / "cfg"), **extra}


def config_file(home):
    return home / "cfg" / "jqcli" / "config.json"


def status(home, *flags, env=None, cwd=None):
    return run_cli(
        ["--format", "json", *flags, "auth", "status"],
        env=env or env_for(home),
        cwd=str(cwd or home / "work"),
    )


def test_status_without_credentials(home) -> None:
    data = status(home).json
    assert data["authenticated"] is False and data["credential_source"] is None
    assert data["api_base"] == "https://www.joinquant.com" and data["username"] is None


def test_precedence_flag_over_env_over_dotenv_over_config(home) -> None:
    run_cli(["auth", "import-token", "--token", "from-config", "--username", "u@x"], env=env_for(home))
    assert status(home).json["credential_origin"] == "config"
    (home / "work" / ".env").write_text("JQCLI_COOKIE=from_dotenv=1\n")
    assert status(home).json["credential_origin"] == "env"
    data = status(home, env=env_for(home, JQCLI_TOKEN="from-env")).json
    assert (data["credential_source"], data["credential_origin"]) == ("cookie", "env")
    data = status(home, "--token", "flag", env=env_for(home, JQCLI_COOKIE="c=1")).json
    assert (data["credential_source"], data["credential_origin"]) == ("token", "flag")
    assert data["username"] == "u@x"


def test_real_environment_beats_dotenv(home) -> None:
    (home / "work" / ".env").write_text("JQCLI_COOKIE=from_dotenv=1\nJQCLI_API_BASE=http://127.0.0.1:1111\n")
    ignored = status(home)
    assert ignored.json["api_base"] == "https://www.joinquant.com"  # never from a .env (issue 10 item 1)
    assert "JQCLI_API_BASE" in ignored.stderr
    data = status(home, env=env_for(home, JQCLI_COOKIE="from_env=1")).json
    assert data["credential_origin"] == "env"
    data = status(home, env=env_for(home, JQCLI_API_BASE="http://127.0.0.1:2222")).json
    assert data["api_base"] == "http://127.0.0.1:2222"
    assert status(home, "--api-base", "http://localhost:3/").json["api_base"] == "http://localhost:3"


def test_env_file_option_and_missing_env_file(home) -> None:
    (home / "alt.env").write_text("export JQCLI_TOKEN='tok en'\n")
    assert status(home, "--env-file", str(home / "alt.env")).json["credential_source"] == "token"
    missing = status(home, "--env-file", str(home / "nope.env"))
    assert missing.code == 6 and missing.error["details"]["path"].endswith("nope.env")


def test_config_written_atomically_with_private_modes(home) -> None:
    outcome = run_cli(
        ["--format", "json", "auth", "import-cookie", "--cookie", "Cookie: PHPSESSID=a; token=b"],
        env=env_for(home),
    )
    assert outcome.json == {"ok": True, "credential": "cookie"}
    path = config_file(home)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert json.loads(path.read_text()) == {"cookie": "PHPSESSID=a; token=b"}
    assert [p.name for p in path.parent.iterdir()] == ["config.json"]


def test_import_from_stdin_keeps_secret_out_of_argv(home) -> None:
    outcome = run_cli(["--format", "json", "auth", "import-token", "--token", "-"], env=env_for(home), stdin="abc123\n")
    assert outcome.json == {"ok": True, "credential": "token"}
    assert json.loads(config_file(home).read_text())["token"] == "abc123"


def test_import_token_replaces_cookie_and_vice_versa(home) -> None:
    run_cli(["auth", "import-cookie", "--cookie", "a=1"], env=env_for(home))
    run_cli(["auth", "import-token", "--token", "t"], env=env_for(home))
    assert json.loads(config_file(home).read_text()) == {"token": "t"}


@pytest.mark.parametrize("bad", ["", "   ", "no-equals-sign"])
def test_import_cookie_rejects_junk(home, bad) -> None:
    outcome = run_cli(["--format", "json", "auth", "import-cookie", "--cookie", bad], env=env_for(home))
    assert outcome.code == 3


def test_logout_removes_credentials_only(home) -> None:
    path = config_file(home)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"token": "t", "cookie": "c=1", "username": "u", "theme": "dark"}))
    outcome = run_cli(["--format", "json", "auth", "logout"], env=env_for(home))
    assert outcome.json == {"ok": True}
    assert json.loads(path.read_text()) == {"theme": "dark"}


def test_corrupt_config_is_file_error_but_help_and_logout_work(home) -> None:
    path = config_file(home)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    broken = status(home)
    assert broken.code == 6 and broken.error["code"] == "file_error"
    assert broken.error["details"]["path"] == str(path)
    assert run_cli(["--help"], env=env_for(home)).code == 0
    outcome = run_cli(["--format", "json", "auth", "logout"], env=env_for(home))
    assert outcome.code == 0 and outcome.json["config_reset"] is True
    assert (path.parent / "config.json.corrupt").read_text() == "{not json"
    assert status(home).code == 0


def test_unreadable_config_is_file_error(home) -> None:
    path = config_file(home)
    path.parent.mkdir(parents=True)
    path.mkdir()  # a directory where the file should be
    outcome = status(home)
    assert outcome.code == 6 and outcome.error["details"]["path"] == str(path)


def test_config_path_flag(home) -> None:
    custom = home / "elsewhere" / "c.json"
    run_cli(["--config", str(custom), "auth", "import-token", "--token", "x"], env=env_for(home))
    assert json.loads(custom.read_text()) == {"token": "x"}
    assert status(home, "--config", str(custom)).json["credential_origin"] == "config"


def test_platform_paths() -> None:
    assert default_config_path({"HOME": "/h"}, "linux") == "/h/.config/jqcli/config.json"
    assert default_config_path({"HOME": "/h", "XDG_CONFIG_HOME": "/x"}, "linux") == "/x/jqcli/config.json"
    assert default_config_path({"HOME": "/h", "XDG_CONFIG_HOME": "relative"}, "linux") == "/h/.config/jqcli/config.json"
    assert default_config_path({"HOME": "/h"}, "darwin") == "/h/.config/jqcli/config.json"
    win = default_config_path({"APPDATA": "C:\\Users\\u\\AppData\\Roaming"}, "win32")
    assert win.endswith(os.path.join("jqcli", "config.json")) and win.startswith("C:\\Users\\u\\AppData\\Roaming")
    assert default_data_dir({"HOME": "/h", "XDG_DATA_HOME": "/d"}, "linux") == "/d/jqcli"


def test_store_roundtrip_and_bad_shapes(tmp_path) -> None:
    store = JsonConfigStore(str(tmp_path / "c" / "config.json"))
    assert store.load() == Credentials()
    store.save(Credentials(cookie="a=1", username="me"), api_base="http://127.0.0.1:1")
    assert store.load() == Credentials(cookie="a=1", username="me")
    assert store.setting("api_base") == "http://127.0.0.1:1"
    (tmp_path / "c" / "config.json").write_text("[1, 2]")
    with pytest.raises(FileError):
        store.load()


def test_resolution_prefers_cookie_within_a_level() -> None:
    resolved = resolve_credentials(env_token="t", env_cookie="c=1", saved=Credentials(token="old"))
    assert (resolved.kind, resolved.origin) == ("cookie", "env")
    assert resolve_credentials(saved=Credentials(token="x")).as_cookie_header() == "token=x"
    assert not resolve_credentials(flag_token="  ")
    assert "secret" not in repr(Credentials(token="secret", cookie="secret"))


def test_bad_api_base_is_usage_error(home) -> None:
    assert status(home, "--api-base", "ftp://x").code == 3
    assert status(home, "--api-base", "www.joinquant.com").code == 3


@pytest.mark.parametrize("bad", ["0", "9", "four", "-1"])
def test_bad_page_workers_is_usage_error(home, bad) -> None:
    out = status(home, env=env_for(home, JQCLI_PAGE_WORKERS=bad))
    assert out.code == 3 and "JQCLI_PAGE_WORKERS" in out.error["message"]


def test_page_workers_reach_the_list_readers(home) -> None:
    from jqcli.entrypoints.bootstrap import connect

    environ = env_for(home, JQCLI_COOKIE="PHPSESSID=a; token=b")
    with connect(environ={**environ, "JQCLI_PAGE_WORKERS": "1"}, cwd=str(home / "work")) as services:
        assert services.strategy_gateway().page_workers == 1
        assert services.list_backtests().read_ahead == 1
    with connect(environ=environ, cwd=str(home / "work")) as services:
        assert services.strategy_gateway().page_workers == 4
