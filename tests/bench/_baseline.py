"""A "before" client for side-by-side benchmarks: an older commit of jqcli, installed as a user would.

``baseline_jqcli("d4a948e")`` exports that commit's tree (``git archive``, no worktree is touched) into
``~/.cache/jqcli-bench/tree-<rev>`` (or ``$JQCLI_BENCH_CACHE``), installs it non-editable into its own
venv beside it once, and returns that venv's ``jqcli``.  A benchmark then alternates runs of the
current copy and of this one in the same minutes, so the before/after ratio does not depend on how
busy the machine was when each figure was taken (the sandbox server stays the current one: only the
client differs).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _cache() -> Path:
    return Path(os.environ.get("JQCLI_BENCH_CACHE") or Path.home() / ".cache" / "jqcli-bench")


def baseline_jqcli(rev: str) -> str:
    """The console script of ``rev``'s jqcli, installed (non-editable) in a venv of its own."""
    full = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{rev}^{{commit}}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if full.returncode != 0:
        raise SystemExit(f"unknown baseline commit {rev!r}: {full.stderr.strip()}")
    commit = full.stdout.strip()
    folder = _cache() / f"tree-{commit[:12]}"
    venv = folder / "venv"
    script = venv / "bin" / "jqcli"
    if (folder / "ready").exists() and script.exists():
        return str(script)
    shutil.rmtree(folder, ignore_errors=True)
    src = folder / "src"
    src.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(src)  # noqa: S202 - our own repository's tree
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(src)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    (folder / "ready").write_text(commit, encoding="utf-8")
    print(f"(baseline {commit[:12]} installed in {venv})", file=sys.stderr)
    return str(script)


def baseline_python(rev: str) -> str:
    """The interpreter of ``rev``'s venv (for its import floor)."""
    return str(Path(baseline_jqcli(rev)).with_name("python"))
