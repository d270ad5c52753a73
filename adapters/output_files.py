"""Files a command writes where the user pointed it (exports, reports): checked first, replaced atomically.

A module of ``jqcli.adapters`` itself (like ``filesystem``), so every adapter and the composition root
write output the same way: never onto a device, FIFO or folder, never over a file without ``force``.
"""

from __future__ import annotations

import json
import os
import stat
from typing import Dict, Optional

from jqcli.adapters.filesystem import atomic_write_bytes
from jqcli.domain.errors import FileError


def check_output(path: str, *, force: bool) -> None:
    """Refuse ``path`` before any work is done: a non-regular file, an existing file without ``force``,
    or a missing folder."""
    if not path:
        raise FileError("缺少输出路径", details={"path": path})
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise FileError(f"无法检查输出路径: {path}", details={"path": path, "reason": exc.strerror}) from exc
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            kind = "目录" if stat.S_ISDIR(info.st_mode) else "设备或管道等非普通文件"
            raise FileError(f"输出路径是{kind},拒绝写入: {path}", details={"path": path, "reason": "not_regular"})
        if not force:
            raise FileError(
                f"输出文件已存在: {path}",
                details={"path": path, "reason": "exists"},
                hint="加 --force 覆盖",
            )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileError(f"输出目录不存在: {folder}", details={"path": path, "reason": "no_folder"})


def write_output(path: str, data: bytes, *, force: bool) -> int:
    """Check ``path`` again (it may have appeared meanwhile) and replace it atomically; bytes written."""
    check_output(path, force=force)
    atomic_write_bytes(path, data, mode=0o644)
    return len(data)


def task_file(path: str) -> str:
    """Where the export task of ``path`` is kept: ``.<name>.jqcli-export.json`` next to it."""
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{name}.jqcli-export.json")


def load_task(path: str) -> Optional[Dict[str, str]]:
    """The saved ``{backtest_id, kind, task, export_id}`` of ``path``'s export, if readable."""
    try:
        with open(task_file(path), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("task"), str):
        return None
    return {str(k): str(v) for k, v in data.items()}


def save_task(path: str, record: Dict[str, str]) -> None:
    atomic_write_bytes(task_file(path), json.dumps(record, ensure_ascii=False).encode("utf-8"), mode=0o600)
