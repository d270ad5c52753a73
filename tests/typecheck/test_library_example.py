"""The README's library example type-checks under ``mypy --strict`` and runs on the embedded sandbox."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## 作为 Python 库使用"


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)\n```", section, re.S)
    assert blocks, f"no python example in the README's {SECTION!r} section"
    return blocks[0] + "\n"


def strict_mypy(files: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` on ``files`` against the source tree (tests/typecheck/jqcli links it)."""
    config = cwd / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")  # nothing of the project's config: the user's view
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-version",
            "3.9",
            "--config-file",
            str(config),
            "--cache-dir",
            str(cwd / ".mypy_cache"),
            "--follow-imports",
            "silent",  # jqcli's own errors are mypy's job over the tree; this checks the example
            *map(str, files),
        ],
        cwd=cwd,
        env={**os.environ, "MYPYPATH": str(ROOT / "tests" / "typecheck")},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_readme_example_passes_mypy_strict_and_a_misuse_does_not(tmp_path: Path) -> None:
    example = tmp_path / "example.py"
    example.write_text(readme_example(), encoding="utf-8")
    misuse = tmp_path / "misuse.py"
    misuse.write_text(
        "from jqcli.entrypoints.library import connect\n\n"
        "with connect(sandbox=True) as jq:\n"
        '    jq.list_strategies(limit="5")\n'
        "    name: int = jq.show_strategy('x').name\n",
        encoding="utf-8",
    )
    result = strict_mypy([example, misuse], tmp_path)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert not [e for e in errors if e.startswith(str(example)) or "example.py" in e], result.stdout
    # the types are real, not Any: both misuses are caught
    assert any("misuse.py:4" in e and "list_strategies" in e for e in errors), result.stdout
    assert any("misuse.py:5" in e and "Incompatible types in assignment" in e for e in errors), result.stdout


def test_the_readme_example_runs_on_the_embedded_sandbox(tmp_path: Path) -> None:
    example = tmp_path / "example.py"
    example.write_text(readme_example(), encoding="utf-8")
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("JQCLI_") and not key.startswith("XDG_")
    }
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    result = subprocess.run(
        [sys.executable, str(example)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("新建策略 ") and lines[0].endswith(" 库示例"), lines
    assert re.match(r"回测 \S+ done 夏普 -?\d", lines[1]), lines
    assert lines[2].startswith("参数错误: start 无效"), lines
    assert len([line for line in lines if line.startswith("帖子 ")]) == 3, lines
