"""The engine stands alone: stdlib + numpy + pandas only, and numpy/pandas only inside its own process."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[3] / "adapters" / "sandbox" / "site" / "engine"
ALLOWED_THIRD_PARTY = {"numpy", "pandas"}


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_the_engine_imports_nothing_of_jqcli_outside_itself_and_no_other_library() -> None:
    stdlib = set(getattr(sys, "stdlib_module_names", ())) or None
    offenders = []
    for path in sorted(ENGINE.glob("*.py")):
        for name in imported_modules(path):
            top = name.split(".")[0]
            if top == "jqcli":
                if not name.startswith("jqcli.adapters.sandbox.site.engine"):
                    offenders.append((path.name, name))
            elif top in ALLOWED_THIRD_PARTY or top == "__future__":
                continue
            elif stdlib is not None and top not in stdlib:
                offenders.append((path.name, name))
    assert offenders == []


PROBE = """
import sys
import jqcli.adapters.sandbox.site.engine
import jqcli.adapters.sandbox.site.engine.child
import jqcli.adapters.sandbox.site.engine.runner
import jqcli.adapters.sandbox.site.engine.universe
print(sorted(m for m in ("numpy", "pandas") if m in sys.modules))
"""


def test_importing_the_package_child_and_runner_loads_neither_numpy_nor_pandas() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
