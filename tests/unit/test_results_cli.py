"""The result commands in-process: output paths are the command's (``cwd``), refused before any request."""

from __future__ import annotations

import pytest

from tests.support.clirun import run_cli


@pytest.mark.parametrize(
    "argv",
    [
        ["backtest", "export", "55500001", "--kind", "result", "--output", "x.out"],
        ["backtest", "export", "55500001", "--kind", "log", "--output", "x.out"],
        ["backtest", "report", "55500001", "--output", "x.out"],
    ],
)
def test_an_existing_relative_output_is_refused_against_the_commands_cwd(tmp_path, argv) -> None:
    (tmp_path / "x.out").write_text("keep", encoding="utf-8")
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    outcome = run_cli(["--format", "json", *argv], env=env, cwd=str(tmp_path))
    assert outcome.code == 6, outcome
    assert outcome.error["details"]["reason"] == "exists"  # no credentials needed: nothing was sent
    assert (tmp_path / "x.out").read_text("utf-8") == "keep"


def test_result_export_refuses_zip_only_options(tmp_path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    outcome = run_cli(
        ["--format", "json", "backtest", "export", "1", "--kind", "result", "--task", "t", "--output", "r.csv"],
        env=env,
        cwd=str(tmp_path),
    )
    assert outcome.code == 3 and "--task" in outcome.error["message"]
