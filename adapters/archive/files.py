"""File primitives for the archive: atomic replace, an exclusive lock, the JSON state file.

(The atomic replace itself is ``jqcli.adapters.filesystem``, shared with the config adapter.)
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterator, Mapping, Optional

from jqcli.adapters.filesystem import atomic_write_bytes
from jqcli.domain.errors import FileError


def ensure_parent(path: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise FileError(f"无法创建目录: {folder}", details={"path": folder, "reason": reason}) from exc


class StoreLock:
    """An exclusive, non-blocking lock on ``<store>.lock`` (released by the OS if the process dies)."""

    def __init__(self, store_path: str) -> None:
        self.path = store_path + ".lock"
        self._fd: Optional[int] = None

    def acquire(self) -> None:
        ensure_parent(self.path)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(fd)
        except OSError as exc:
            os.close(fd)
            raise FileError(
                f"另一个归档进程正在使用该存档: {self.path}",
                details={"lock": self.path, "reason": exc.strerror or str(exc)},
                hint="等待它结束,或确认没有其他 jqcli community archive 在运行",
            ) from exc
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


class JsonSyncState:
    """Implements ``SyncStateStore``: one JSON object, replaced atomically."""

    def __init__(self, path: str) -> None:
        self.path = path

    def load(self) -> Mapping[str, Any]:
        try:
            with open(self.path, "rb") as handle:
                raw = handle.read()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise FileError(f"无法读取状态文件: {self.path}", details={"path": self.path}) from exc
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise FileError(
                f"状态文件已损坏: {self.path}", details={"path": self.path}, hint="删除它或加 --force 重新开始"
            ) from exc
        return data if isinstance(data, dict) else {}

    def save(self, state: Mapping[str, Any]) -> None:
        ensure_parent(self.path)
        atomic_write_bytes(self.path, json.dumps(state, ensure_ascii=False, indent=1).encode("utf-8"), mode=0o644)

    def remove(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            return


def seed_identity(path: str) -> str:
    """Changes whenever the file does (size + mtime): a changed seed is imported again."""
    try:
        info = os.stat(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise FileError(f"无法读取种子文件: {path}", details={"path": path, "reason": reason}) from exc
    return f"{info.st_size}:{info.st_mtime_ns}"


def read_jsonl(path: str) -> Iterator[Mapping[str, Any]]:
    """Every JSON object line of ``path``; a torn or junk line is skipped."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with below; the error must be ours
    except OSError as exc:
        raise FileError(f"无法读取文件: {path}", details={"path": path, "reason": exc.strerror or str(exc)}) from exc
    with handle:
        for raw in handle:
            try:
                value = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(value, dict):
                yield value
