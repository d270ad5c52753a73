"""Fixtures for the MCP server tests: an isolated home, the CLI and the MCP tools on the same sandbox.

The SDK is imported by the test modules (each skips cleanly where ``mcp`` is not installable,
i.e. Python 3.9), never here, so that collecting this folder never fails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.support.clirun import run_cli

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def isolated_env(home: Path) -> Dict[str, str]:
    for sub in ("config", "data", "cache"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "PATH": "/usr/bin:/bin",
    }


CLOCK_KEYS = frozenset({"curr_time"})  # the site's clock at the time of the answer


def mask_ids(value: Any) -> Any:
    """The sandbox rotates every 32-hex id on every response (as the site does) and stamps its clock
    (``curr_time``): mask those and compare everything else exactly."""
    if isinstance(value, dict):
        return {key: "<clock>" if key in CLOCK_KEYS else mask_ids(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_ids(item) for item in value]
    if isinstance(value, str) and HEX_ID.match(value):
        return "<rotating-id>"
    return value


class SandboxHome:
    """One isolated home whose embedded sandbox both the CLI and the MCP tools use."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = isolated_env(home)
        self.cwd = str(home)
        self.global_argv: List[str] = ["--sandbox"]

    def cli(self, *argv: str, stdin: str = "") -> Any:
        outcome = run_cli(
            [*self.global_argv, "--non-interactive", "--format", "json", *argv], env=self.env, cwd=self.cwd, stdin=stdin
        )
        assert outcome.code == 0, outcome
        return json.loads(outcome.stdout)

    def cli_error(self, *argv: str) -> Dict[str, Any]:
        argv = (*self.global_argv, "--non-interactive", "--format", "json", *argv)
        outcome = run_cli(list(argv), env=self.env, cwd=self.cwd)
        assert outcome.code != 0, outcome
        return dict(outcome.error, exit_status=outcome.code)

    def runner(self):  # type: ignore[no-untyped-def]
        from jqcli.entrypoints.mcp_dispatch import ToolRunner

        return ToolRunner(self.global_argv, environ=self.env, cwd=self.cwd)


@pytest.fixture(scope="module")
def sandbox_home(tmp_path_factory) -> SandboxHome:
    return SandboxHome(tmp_path_factory.mktemp("mcp-home"))
