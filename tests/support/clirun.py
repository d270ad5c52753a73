"""Run the CLI in-process with injected streams, environment and working directory."""

from __future__ import annotations

import io
import json
from typing import Optional

from jqcli.entrypoints.cli import run
from jqcli.entrypoints.context import Stdio


class FakeStdin(io.StringIO):
    def __init__(self, text: str = "", tty: bool = False) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


class Outcome:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    @property
    def json(self):
        return json.loads(self.stdout)

    @property
    def error(self) -> dict:
        return json.loads(self.stderr[self.stderr.rfind('{\n  "error"') :])["error"]

    def __repr__(self) -> str:
        return f"Outcome(code={self.code}, stdout={self.stdout[:300]!r}, stderr={self.stderr[:300]!r})"


def run_cli(argv: list, *, env: Optional[dict] = None, cwd: str = "/", stdin: str = "", tty: bool = False) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), Stdio(FakeStdin(stdin, tty), out, err), environ=dict(env or {}), cwd=cwd)
    return Outcome(code, out.getvalue(), err.getvalue())
