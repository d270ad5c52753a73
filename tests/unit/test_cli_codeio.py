"""Strategy code from --file/--code-stdin: empty code and non-regular or huge files are refused (item 9)."""

from __future__ import annotations

import os

import pytest

from jqcli.entrypoints.codeio import MAX_CODE_BYTES
from tests.support.clirun import run_cli

COMMANDS = [
    ["strategy", "new", "空源码"],
    ["strategy", "edit", "全天候ETF"],
    ["backtest", "run", "--name", "空源码", "--start", "2024-01-02", "--end", "2024-01-31"],
]


def _run(argv, tmp_path, **kw):
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path)}
    return run_cli(["--sandbox", "--format", "json", "--non-interactive", *argv], env=env, cwd=str(tmp_path), **kw)


@pytest.mark.parametrize("command", COMMANDS, ids=["new", "edit", "run"])
@pytest.mark.parametrize("content", ["", "  \n\t\n"], ids=["empty", "whitespace"])
def test_empty_code_from_a_file_is_a_usage_error(tmp_path, command, content) -> None:
    (tmp_path / "empty.py").write_text(content, "utf-8")
    outcome = _run([*command, "--file", "empty.py"], tmp_path)
    assert outcome.code == 3, outcome
    assert outcome.error["code"] == "usage_error" and "没有读到源码" in outcome.error["message"]


@pytest.mark.parametrize("command", COMMANDS, ids=["new", "edit", "run"])
def test_empty_code_from_stdin_is_the_same_usage_error(tmp_path, command) -> None:
    outcome = _run([*command, "--code-stdin"], tmp_path, stdin=" \n")
    assert outcome.code == 3 and "没有读到源码" in outcome.error["message"]


def test_an_empty_file_leaves_the_strategy_untouched(tmp_path) -> None:
    before = _run(["strategy", "show", "全天候ETF", "--code"], tmp_path).json["code"]
    (tmp_path / "empty.py").write_bytes(b"")
    assert _run(["strategy", "edit", "全天候ETF", "--file", "empty.py"], tmp_path).code == 3
    assert _run(["strategy", "show", "全天候ETF", "--code"], tmp_path).json["code"] == before


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null", "folder", "fifo"])
def test_non_regular_files_are_file_errors_without_reading_them(tmp_path, special) -> None:
    if special == "folder":
        (tmp_path / "folder").mkdir()
    elif special == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        os.mkfifo(tmp_path / "fifo")  # nobody writes to it: reading would hang forever
    if special.startswith("/dev/") and not os.path.exists(special):
        pytest.skip(f"no {special}")
    outcome = _run(["strategy", "new", "特殊文件", "--file", special], tmp_path)
    assert outcome.code == 6, outcome
    assert outcome.error["code"] == "file_error" and "普通文件" in outcome.error["message"]


def test_a_file_over_the_size_cap_is_refused(tmp_path) -> None:
    huge = tmp_path / "huge.py"
    with open(huge, "wb") as handle:
        handle.truncate(MAX_CODE_BYTES + 1)  # sparse: no disk used
    outcome = _run(["strategy", "new", "大文件", "--file", "huge.py"], tmp_path)
    assert outcome.code == 6 and "过大" in outcome.error["message"]


def test_missing_file_is_still_a_file_error(tmp_path) -> None:
    outcome = _run(["strategy", "new", "x", "--file", "nope.py"], tmp_path)
    assert outcome.code == 6 and outcome.error["details"]["path"].endswith("nope.py")


def test_code_is_still_read_byte_for_byte(tmp_path) -> None:
    code = "# 中文\r\n\tx = '<&>'\n\n"
    (tmp_path / "s.py").write_bytes(code.encode("utf-8"))
    created = _run(["strategy", "new", "逐字节", "--file", "s.py"], tmp_path)
    assert created.code == 0, created
    shown = _run(["strategy", "show", created.json["id"], "--code"], tmp_path).json["code"]
    assert shown.replace("\r\n", "\n") == code.replace("\r\n", "\n")
