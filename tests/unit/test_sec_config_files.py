"""Config and .env files: compare-and-swap write-back, non-regular paths, size and depth limits."""

from __future__ import annotations

import json
import os

import pytest

from jqcli.adapters.config.store import JsonConfigStore
from jqcli.adapters.filesystem import atomic_write_bytes, read_regular_file, refuse_non_regular
from jqcli.domain.credentials import Credentials
from jqcli.domain.errors import FileError
from jqcli.entrypoints.bootstrap import connect
from tests.support.clirun import run_cli
from tests.support.httpstub import Answer


@pytest.fixture
def home(tmp_path):
    (tmp_path / "work").mkdir()
    return tmp_path


def env_for(home, **extra) -> dict:
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / "cfg"), **extra}


def config_path(home):
    return home / "cfg" / "jqcli" / "config.json"


def cli(home, *argv, env=None):
    return run_cli(["--format", "json", *argv], env=env or env_for(home), cwd=str(home / "work"))


# -- item 11: the write-back of a rotated session is a compare-and-swap ------------------------------
def rotating_stub(stub) -> None:
    stub.route(
        "GET",
        "/user/index/isLogin",
        Answer(200, json.dumps({"data": {"isLogin": 1}}), headers=[("Set-Cookie", "PHPSESSID=rotated; path=/")]),
    )


def test_rotated_session_is_written_back_when_nothing_changed(home, stub) -> None:
    rotating_stub(stub)
    cli(home, "--api-base", stub.url, "auth", "import-cookie", "--cookie", "PHPSESSID=first; token=t1")
    with connect(environ=env_for(home), cwd=str(home / "work")) as services:
        assert services.auth_gateway().session_info().logged_in
    saved = json.loads(config_path(home).read_text())
    assert saved == {"api_base": stub.url, "cookie": "PHPSESSID=rotated; token=t1"}


def test_rotated_session_never_undoes_a_concurrent_import(home, stub) -> None:
    rotating_stub(stub)
    cli(home, "--api-base", stub.url, "auth", "import-cookie", "--cookie", "PHPSESSID=first; token=t1")
    with connect(environ=env_for(home), cwd=str(home / "work")) as services:
        assert services.auth_gateway().session_info().logged_in
        # meanwhile, in another terminal, the user imports a fresh cookie
        out = cli(home, "--api-base", stub.url, "auth", "import-cookie", "--cookie", "PHPSESSID=fresh; token=t2")
        assert out.code == 0
    saved = json.loads(config_path(home).read_text())
    assert saved["cookie"] == "PHPSESSID=fresh; token=t2"


def test_rotated_session_never_undoes_a_concurrent_logout(home, stub) -> None:
    rotating_stub(stub)
    cli(home, "--api-base", stub.url, "auth", "import-cookie", "--cookie", "PHPSESSID=first")
    with connect(environ=env_for(home), cwd=str(home / "work")) as services:
        services.auth_gateway().session_info()
        assert cli(home, "auth", "logout").code == 0
    assert "cookie" not in json.loads(config_path(home).read_text())


def test_write_back_compare_and_swap_directly(tmp_path) -> None:
    store = JsonConfigStore(str(tmp_path / "c" / "config.json"))
    store.save(Credentials(cookie="PHPSESSID=a"), api_base="http://127.0.0.1:1")
    started = store.load()
    assert store.write_back(started, "http://127.0.0.1:1", "PHPSESSID=b") is True
    assert store.load().cookie == "PHPSESSID=b"
    assert store.write_back(started, "http://127.0.0.1:1", "PHPSESSID=c") is False  # no longer what we started with
    assert store.write_back(store.load(), "", "PHPSESSID=c") is False  # the site changed too
    assert store.load().cookie == "PHPSESSID=b"


def test_store_writes_are_serialised_by_the_folder_lock(tmp_path, monkeypatch) -> None:
    fcntl = pytest.importorskip("fcntl")
    from jqcli.adapters.config import store as store_module

    monkeypatch.setattr(store_module, "LOCK_WAIT_SECONDS", 0.0)
    store = JsonConfigStore(str(tmp_path / "c" / "config.json"))
    store.save(Credentials(token="a"))
    folder = os.open(str(tmp_path / "c"), os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)  # another jqcli process in the middle of its read-modify-write
        with pytest.raises(FileError) as caught:
            store.save(Credentials(token="b"))
        assert "另一个 jqcli 进程" in caught.value.message
        assert store.write_back(store.load(), "", "PHPSESSID=x") is False  # skipped, never written unlocked
    finally:
        os.close(folder)  # releases the lock
    assert store.load().token == "a"
    store.save(Credentials(token="b"))
    assert store.load().token == "b"
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["config.json"]  # no lock file left behind


# -- item 13: non-regular paths ----------------------------------------------------------------------
@pytest.fixture
def fifo(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def test_fifo_as_config_or_env_file_is_file_error_without_hanging(home, fifo) -> None:
    out = cli(home, "--config", str(fifo), "auth", "status")
    assert out.code == 6 and "FIFO" in out.error["message"], out
    out = cli(home, "--env-file", str(fifo), "auth", "status")
    assert out.code == 6 and "FIFO" in out.error["message"], out
    out = cli(home, "--config", str(fifo), "auth", "import-token", "--token", "abc")
    assert out.code == 6
    out = cli(home, "--config", str(fifo), "auth", "logout")
    assert out.code == 6
    assert os.path.exists(fifo) and not os.path.isfile(fifo)  # never replaced by a regular file


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_devices_as_config_or_env_file_are_file_errors(home, device) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    for argv in (
        ("--config", device, "auth", "status"),
        ("--env-file", device, "auth", "status"),
        ("--config", device, "auth", "import-cookie", "--cookie", "a=1"),
        ("--config", device, "auth", "logout"),
    ):
        out = cli(home, *argv)
        assert out.code == 6 and out.error["details"]["path"] == device, (argv, out)
    assert not os.path.isfile(device)


def test_directory_as_env_file_or_config(home) -> None:
    assert cli(home, "--env-file", str(home), "auth", "status").code == 6
    assert cli(home, "--config", str(home), "auth", "import-token", "--token", "x").code == 6


def test_atomic_write_refuses_to_replace_a_device_or_fifo(fifo) -> None:
    with pytest.raises(FileError):
        atomic_write_bytes(str(fifo), b"x")
    assert not os.path.isfile(fifo)
    with pytest.raises(FileError):
        refuse_non_regular(os.path.dirname(fifo))
    assert refuse_non_regular(str(fifo) + ".missing") is None


def test_read_regular_file_caps_the_size(tmp_path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 101)
    with pytest.raises(FileError) as caught:
        read_regular_file(str(big), limit=100)
    assert caught.value.details["limit_bytes"] == 100
    assert read_regular_file(str(big), limit=101) == b"x" * 101


def test_oversized_config_is_file_error_and_logout_resets_it(home) -> None:
    path = config_path(home)
    path.parent.mkdir(parents=True)
    path.write_bytes(b" " * (1024 * 1024) + b"{}")
    assert cli(home, "auth", "status").code == 6
    assert cli(home, "auth", "logout").json["config_reset"] is True


# -- item 17: deep nesting ---------------------------------------------------------------------------
def test_deeply_nested_config_is_file_error_and_logout_resets_it(home) -> None:
    path = config_path(home)
    path.parent.mkdir(parents=True)
    path.write_text('{"a":' + "[" * 100_000 + "]" * 100_000 + "}")
    out = cli(home, "auth", "status")
    assert out.code == 6 and out.error["details"]["path"] == str(path), out
    reset = cli(home, "auth", "logout")
    assert reset.code == 0 and reset.json["config_reset"] is True
    assert cli(home, "auth", "status").code == 0


# -- item 18 (last part): a bad api_base in the config names the config file -----------------------
@pytest.mark.parametrize("bad", ["ftp://x", "http://0.0.0.0:9\\\\@127.0.0.1", "http://[::1"])
def test_bad_api_base_in_config_names_the_config_file(home, bad) -> None:
    path = config_path(home)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"api_base": bad, "cookie": "PHPSESSID=a"}))
    out = cli(home, "auth", "status")
    assert out.code == 6 and out.error["code"] == "file_error", out
    assert str(path) in out.error["message"] and "--api-base" not in out.error["message"]
    assert out.error["details"]["key"] == "api_base"
