"""What a one-request command imports (issue 16): only what its one page needs.

Each attrs class costs its generated methods' compilation and each module its load, on every call an
agent makes, so the frequent commands must not import the models and parsers of other commands.
The commands run for real against the sandbox; the probe lists the modules loaded at the end.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from jqcli.entrypoints.cli import main
sys.argv = ["jqcli", *sys.argv[1:]]
code = main()
sys.stderr.write("\\nMODULES " + json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""

# Never needed by any one-request HTML command: the etree builder's XML name tables, and the port
# Protocols (type hints only).
NEVER = ("html5lib.treebuilders.etree", "html5lib._ihatexml", "jqcli.application.ports")


def loaded(jq, *argv: str) -> set:
    jq.login() if not jq.logged_in else None
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, "--api-base", jq.server.url, "--format", "json", *argv],
        capture_output=True, text=True, env=jq.env, cwd=str(jq.home), timeout=120, check=False,
    )  # fmt: skip
    report = json.loads(proc.stderr.rsplit("MODULES ", 1)[1])
    assert report["code"] == 0, proc.stderr
    return set(report["modules"])


@pytest.fixture
def strategy_id(jq) -> str:
    rows = jq("strategy", "ls").json["items"]
    return next(row["id"] for row in rows if row["backtest_count"])


def test_backtest_ls_by_id_imports_neither_strategy_pages_nor_result_models(jq, strategy_id) -> None:
    modules = loaded(jq, "backtest", "ls", strategy_id, "--limit", "5")
    assert "jqcli.adapters.joinquant.backtest_pages" in modules  # the probe sees what ran
    for name in (
        *NEVER,
        "jqcli.adapters.joinquant.strategies",  # an id is never resolved through the list
        "jqcli.adapters.joinquant.editor",
        "jqcli.adapters.joinquant.pages",
        "jqcli.domain.strategy",
        "jqcli.application.strategies",
        "jqcli.application.backtests",  # stats/curves/logs use cases
        "jqcli.domain.backtest_build",
        "jqcli.domain.backtest_detail",
        "jqcli.domain.curves",
        "jqcli.entrypoints.commands.backtest_results",  # sub-commands not named are not registered
        "jqcli.entrypoints.commands.backtest_verdict",
        "jqcli.entrypoints.commands.backtest_cancel",
    ):
        assert name not in modules, name


def test_strategy_show_imports_no_backtest_models(jq, strategy_id) -> None:
    modules = loaded(jq, "strategy", "show", strategy_id)
    assert "jqcli.adapters.joinquant.pages" in modules
    for name in (
        *NEVER,
        "jqcli.domain.backtest",
        "jqcli.domain.strategy",  # the list's rows and rules: show reads the editor only
        "jqcli.adapters.joinquant.backtest_pages",
        "jqcli.entrypoints.commands.strategy_files",
    ):
        assert name not in modules, name


def test_backtest_ls_by_name_still_resolves_through_the_list(jq) -> None:
    rows = jq("strategy", "ls").json["items"]  # ids rotate per answer (protocol.md §1.6): take a name
    name = next(row["name"] for row in rows if row["backtest_count"])
    if sum(1 for row in rows if row["name"] == name) != 1:
        pytest.skip("the seeded name is not unique")
    by_name = jq("backtest", "ls", name, "--limit", "5")
    assert by_name.code == 0, by_name
    assert by_name.json["items"] and by_name.json["items"][0]["strategy_id"]
    assert "jqcli.adapters.joinquant.strategies" in loaded(jq, "backtest", "ls", name, "--limit", "5")
