"""File primitives for the archive: atomic replace, an exclusive lock, the JSON state file.

(The atomic replace itself is ``jqcli.adapters.filesystem``, shared with the config adapter.)
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any, Iterator, List, Mapping, Optional

from jqcli.adapters.filesystem import atomic_write_bytes, refuse_non_regular
from jqcli.domain.errors import FileError


def ensure_parent(path: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise FileError(f"无法创建目录: {folder}", details={"path": folder, "reason": reason}) from exc


def require_regular(path: str, what: str) -> None:
    """Refuse an existing ``path`` that is not a regular file (a folder, FIFO, device…) as a file_error."""
    refuse_non_regular(path, what=what)


def real_path(path: str) -> str:
    """The file ``path`` names, symlinks resolved (one store has one real path, hence one lock)."""
    return os.path.realpath(os.path.abspath(path))


class StoreLock:
    """An exclusive, non-blocking lock on ``<real store path>.lock`` (released by the OS if the process dies).

    Keyed by the real file: the same store reached through a symlink (or ``..``) takes the same lock.
    """

    def __init__(self, store_path: str) -> None:
        self.path = real_path(store_path) + ".lock"
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
    if sys.platform == "win32":  # no fcntl there
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


class JsonSyncState:
    """Implements ``SyncStateStore``: one JSON object, replaced atomically."""

    def __init__(self, path: str) -> None:
        self.path = path

    def load(self) -> Mapping[str, Any]:
        refuse_non_regular(self.path, what="状态文件")  # a FIFO would block the open, a device never end
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
        refuse_non_regular(self.path, what="状态文件")
        ensure_parent(self.path)
        atomic_write_bytes(self.path, json.dumps(state, ensure_ascii=False, indent=1).encode("utf-8"), mode=0o644)

    def remove(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            return

    def reset(self) -> None:
        """``--force``: the state file is deleted."""
        self.remove()

    def remove_stale_temps(self) -> List[str]:
        """Delete temp files that a killed ``save`` of *this* state file left behind (see ``atomic_write_bytes``).

        Only names ``.<state name>.<pid>.<8 hex>.tmp`` next to it, and only when that pid is not running.
        """
        return remove_stale_temps(self.path, r"[0-9a-f]{8}")


def remove_stale_temps(path: str, tail: str) -> List[str]:
    """Delete ``.<basename>.<pid>.<tail>.tmp`` files next to ``path`` whose process is gone; the names removed."""
    folder = os.path.dirname(os.path.abspath(path))
    pattern = re.compile(rf"\.{re.escape(os.path.basename(path))}\.(\d+)\.{tail}\.tmp")
    removed: List[str] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = pattern.fullmatch(name)
        if match is None or _process_alive(int(match.group(1))):
            continue
        try:
            os.unlink(os.path.join(folder, name))
        except FileNotFoundError:
            continue
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise FileError(f"无法删除残留的临时文件: {name}", details={"path": folder, "reason": reason}) from exc
        removed.append(name)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    if os.name == "nt":
        return True  # os.kill would terminate it there: keep the file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # exists (another user's) or unknowable: keep the file
    return True


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
    refuse_non_regular(path, what="文件")
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
