"""Benchmarks time jqcli as an installed copy runs: from compiled bytecode.

A wheel install writes ``.pyc`` files; an editable checkout only gets them when
the interpreter may write them, and under ``PYTHONDONTWRITEBYTECODE=1`` (set by
``.ci/run`` and by many shells) every process would recompile every jqcli
module from source, about 20 ms per command.  ``compile_sources`` writes them
once, before anything is timed (``__pycache__/`` is git-ignored).
"""

from __future__ import annotations

import compileall
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_FOLDERS = ("domain", "application", "adapters", "entrypoints")


def compile_sources() -> None:
    for folder in SOURCE_FOLDERS:
        if not compileall.compile_dir(str(ROOT / folder), quiet=1):
            raise RuntimeError(f"compileall failed in {folder}/")


# --- the copy a user gets ---------------------------------------------------------------------------

INSTALLED_ENV = "JQCLI_BENCH_PYTHON"  # the interpreter of the non-editable copy, once built


def use_installed_copy(*, smoke: bool) -> str:
    """Make the benchmark time jqcli as a user installs it: a wheel install in its own venv.

    The venv is built once per source tree (``~/.cache/jqcli-bench/<hash>``, or ``$JQCLI_BENCH_CACHE``) with
    ``pip install <checkout>[sandbox]``, not ``-e``: an editable install goes through setuptools' import hook,
    which a user's wheel install does not.  Its interpreter is exported as ``JQCLI_BENCH_PYTHON`` for
    ``sandbox_proc.jqcli_executable`` and ``bench_python``.  ``--smoke`` runs keep the current venv (they
    check that the script works, not its figures).  Returns the interpreter used.
    """
    compile_sources()
    if smoke:
        return sys.executable
    digest = _tree_hash()
    cache = Path(os.environ.get("JQCLI_BENCH_CACHE") or Path.home() / ".cache" / "jqcli-bench")
    venv = cache / digest
    python = venv / "bin" / "python"
    if not (venv / "ready").exists():
        shutil.rmtree(venv, ignore_errors=True)
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        extras = "[sandbox]" if "sandbox =" in (ROOT / "pyproject.toml").read_text(encoding="utf-8") else ""
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"{ROOT}{extras}"], check=True, stdout=subprocess.DEVNULL
        )
        (venv / "ready").write_text(digest, encoding="utf-8")
    os.environ[INSTALLED_ENV] = str(python)
    print(f"(timing the non-editable install in {venv})", file=sys.stderr)
    return str(python)


def bench_python() -> str:
    """The interpreter of the copy being timed (the non-editable one once ``use_installed_copy`` built it)."""
    return os.environ.get(INSTALLED_ENV) or sys.executable


def _tree_hash() -> str:
    digest = hashlib.sha256()
    for folder in (*SOURCE_FOLDERS, "pyproject.toml"):
        path = ROOT / folder
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]
