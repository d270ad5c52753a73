"""PEP 561: mypy finds jqcli's types in an INSTALLED wheel (not the source tree).

The wheel is built and installed into a bare virtual environment (no pip, no source tree on its
path; a .pth file lends it this environment's dependencies).  ``mypy --strict`` then checks a
small application against it: the valid calls pass, a misuse is caught (so the types are read,
not Any), and with the ``py.typed`` markers removed mypy refuses the package, which is what an
embedding application saw before the markers shipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

APP = """\
from typing import List

from jqcli.domain.errors import UsageError
from jqcli.domain.strategy import Strategy
from jqcli.entrypoints.bootstrap import Services
from jqcli.entrypoints.library import Jqcli, connect


def names(jq: Jqcli) -> List[str]:
    rows: List[Strategy] = jq.list_strategies(limit=None)
    return [row.name for row in rows]


def main() -> None:
    with connect(sandbox=True) as jq:
        services: Services = jq.services
        print(names(jq), services.settings.api_base)
        try:
            jq.run_backtest("x", start="2024/01/02")
        except UsageError as exc:
            print(exc.code)
"""

MISUSE = """\
from jqcli.entrypoints.library import connect

count: int = connect(sandbox=True).list_strategies()
"""


def _mypy(files: list[Path], python: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    config = cwd / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key not in ("MYPYPATH", "PYTHONPATH")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--python-version",
            "3.9",
            "--config-file",
            str(config),
            "--python-executable",
            str(python),
            *map(str, files),
        ],
        cwd=cwd,  # not the checkout: nothing of the source tree can be found from here
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_mypy_strict_reads_the_types_of_the_installed_wheel(tmp_path: Path) -> None:
    wheels = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(wheels.glob("jqcli-*.whl"))
    env_dir = tmp_path / "app-venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    # attrs, urllib3, … from this environment; appended after the app venv's own site-packages
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    markers = sorted(p.relative_to(site).as_posix() for p in site.glob("jqcli/*/py.typed"))
    assert markers == [f"jqcli/{name}/py.typed" for name in ("adapters", "application", "domain", "entrypoints")]
    assert not (site / "jqcli" / "__init__.py").exists()  # still a namespace package

    work = tmp_path / "app"
    work.mkdir()
    (work / "app.py").write_text(APP, encoding="utf-8")
    (work / "misuse.py").write_text(MISUSE, encoding="utf-8")

    result = _mypy([work / "app.py", work / "misuse.py"], python, work)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert not [e for e in errors if "app.py" in e], result.stdout
    assert len(errors) == 1 and "misuse.py:3" in errors[0] and "list[Strategy]" in errors[0], result.stdout

    for marker in markers:  # without the markers: what an embedding application got before
        (site / marker).unlink()
    result = _mypy([work / "app.py"], python, work)
    assert "missing library stubs or py.typed marker" in result.stdout, result.stdout
