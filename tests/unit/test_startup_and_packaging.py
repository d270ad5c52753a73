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

    assert MAN_PATH.read_text("utf-8") == render_manpage(), "run: python -m jqcli.entrypoints.manpage"


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_is_generated_from_the_parser(shell) -> None:
    from tests.support.clirun import run_cli

    outcome = run_cli(["completion", shell])
    assert outcome.code == 0
    for word in ("auth", "import-cookie", "--password-stdin", "--format"):
        assert word in outcome.stdout


def test_module_entry_point_runs() -> None:
    proc = subprocess.run([sys.executable, "-m", "jqcli.entrypoints", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("jqcli ")


def test_version_matches_pyproject() -> None:
    from jqcli.entrypoints import __version__

    text = (ROOT / "pyproject.toml").read_text("utf-8")
    assert f'version = "{__version__}"' in text
