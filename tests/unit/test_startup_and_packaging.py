"""Lean startup, the wheel's contents, the man page and completions."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE_FOLDERS = {
    "domain": "jqcli.domain",
    "application": "jqcli.application",
    "adapters": "jqcli.adapters",
    "entrypoints": "jqcli.entrypoints",
}
HEAVY = ("urllib3", "html5lib", "cattrs", "structlog", "attrs", "attr", "shtab", "argparse_manpage", "numpy", "pandas")
HEAVY += ("mcp", "mcp_types", "anyio", "pydantic", "starlette", "uvicorn")  # the MCP SDK: only `mcp serve` imports it

PROBE = """
import io, json, sys
from jqcli.entrypoints.cli import run
from jqcli.entrypoints.context import Stdio
out = io.StringIO()
code = run(sys.argv[1:], Stdio(io.StringIO(), out, io.StringIO()), environ={"HOME": sys.argv[0]}, cwd="/")
heavy = [m for m in %r if m in sys.modules]
print(json.dumps({"code": code, "heavy": heavy}))
"""


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["--format", "json", "auth", "status"],
        ["auth", "status"],
        ["strategy", "--help"],
        ["backtest", "--help"],
        ["community", "--help"],
        ["mcp", "--help"],
        ["mcp", "serve", "--help"],
    ],
)
def test_fast_commands_import_nothing_heavy(argv, tmp_path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,), *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["heavy"] == [], result
    assert result["code"] in (0, 3)  # 3 only for a group that does not exist (yet)


def expected_packages() -> set:
    found = set()
    for folder, package in SOURCE_FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([package, *rel.parts]) if rel.parts else package)
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return next(out.glob("jqcli-*.whl"))


def test_wheel_contains_every_package_and_its_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    packages = {
        ".".join(Path(n).parent.parts) for n in names if n.endswith("/__init__.py") or n.endswith("__init__.py")
    }
    assert expected_packages() <= packages, expected_packages() - packages
    for folder, package in SOURCE_FOLDERS.items():
        for source in (ROOT / folder).rglob("*"):
            if source.is_dir() or "__pycache__" in source.parts or source.suffix == ".pyc":
                continue
            rel = source.relative_to(ROOT / folder)
            assert "/".join([*package.split("."), *rel.parts]) in names, f"{source} is missing from the wheel"
    assert not any(n.startswith(("domain/", "entrypoints/", "adapters/", "application/", "tests/")) for n in names)
    assert "jqcli/__init__.py" not in names  # jqcli stays a namespace package


def test_man_page_is_generated_from_the_current_parser() -> None:
    pytest.importorskip("argparse_manpage")
    from jqcli.entrypoints.manpage import MAN_PATH, render_manpage

    # argparse wraps usage lines differently across Pythons (3.13 moved a line break): compare
    # the words, not the whitespace, so the committed page matches on every supported version.
    committed, current = MAN_PATH.read_text("utf-8"), render_manpage()
    assert committed.split() == current.split(), "run: python -m jqcli.entrypoints.manpage"


def test_man_page_has_exit_status_and_environment_sections() -> None:
    from jqcli.entrypoints.exit_codes import EXIT_CODES
    from jqcli.entrypoints.manpage import MAN_PATH

    page = MAN_PATH.read_text("utf-8")
    exit_part = page[page.index(".SH EXIT STATUS") : page.index(".SH ENVIRONMENT")]
    for code, status in EXIT_CODES.items():
        assert f"\\fB{status}\\fR" in exit_part and code.replace("_", "_") in exit_part.replace("\\-", "-")
    env_part = page[page.index(".SH ENVIRONMENT") :]
    for name in ("JQCLI_API_BASE", "JQCLI_TOKEN", "JQCLI_COOKIE", "JQCLI_CONFIG", "JQCLI_PAGE_WORKERS", "COLUMNS"):
        assert f"\\fB{name}\\fR" in env_part, name
    assert "SIGTERM" in exit_part


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_is_generated_from_the_parser(shell) -> None:
    from tests.support.clirun import run_cli

    outcome = run_cli(["completion", shell])
    assert outcome.code == 0
    for word in ("auth", "import-cookie", "--password-stdin", "--format"):
        assert word in outcome.stdout
    files = "_shtab_compgen_files" if shell == "bash" else "_files"
    script = outcome.stdout
    for option in ("--file", "--output", "--config", "--state"):  # paths complete as files
        spelled = "_" + option.replace("-", "_") if shell == "bash" else option  # bash: ___file_COMPGEN
        assert any(spelled in line and files in line for line in script.splitlines()), option


def test_module_entry_point_runs() -> None:
    proc = subprocess.run([sys.executable, "-m", "jqcli.entrypoints", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("jqcli ")


def test_version_matches_pyproject() -> None:
    from jqcli.entrypoints import __version__

    text = (ROOT / "pyproject.toml").read_text("utf-8")
    assert f'version = "{__version__}"' in text
