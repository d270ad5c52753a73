"""Benchmarks time jqcli as an installed copy runs: from compiled bytecode.

A wheel install writes ``.pyc`` files; an editable checkout only gets them when
the interpreter may write them, and under ``PYTHONDONTWRITEBYTECODE=1`` (set by
``.ci/run`` and by many shells) every process would recompile every jqcli
module from source, about 20 ms per command.  ``compile_sources`` writes them
once, before anything is timed (``__pycache__/`` is git-ignored).
"""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_FOLDERS = ("domain", "application", "adapters", "entrypoints")


def compile_sources() -> None:
    for folder in SOURCE_FOLDERS:
        if not compileall.compile_dir(str(ROOT / folder), quiet=1):
            raise RuntimeError(f"compileall failed in {folder}/")
