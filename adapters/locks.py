"""Machine-wide named locks on lock files (``NameLock``): fcntl on POSIX, msvcrt on Windows.

The kernel releases the lock when the holder exits, even after ``kill -9``, so a lock file
left behind is never stale: the next holder just takes it.  The files are tiny, named by a
hash of (scope, name), and kept in a private folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from typing import Iterator

from jqcli.adapters.filesystem import ensure_private_dir
from jqcli.domain.errors import FileError


class FileNameLock:
    """``NameLock`` on files under ``folder``; ``scope`` (site + account) keeps accounts apart."""

    def __init__(self, folder: str, scope: str) -> None:
        self.folder = folder
        self.scope = scope

    def path_for(self, name: str) -> str:
        digest = hashlib.sha256(f"{self.scope}\n{name}".encode()).hexdigest()[:32]
        return os.path.join(self.folder, f"name-{digest}.lock")

    @contextlib.contextmanager
    def hold(self, name: str) -> Iterator[None]:
        ensure_private_dir(self.folder)
        path = self.path_for(name)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        except OSError as exc:
            raise FileError(
                f"无法创建锁文件: {path}", details={"path": path, "reason": exc.strerror or str(exc)}
            ) from exc
        try:
            _lock(fd, path)
            try:
                yield
            finally:
                _unlock(fd)
        finally:
            os.close(fd)


try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


def _lock(fd: int, path: str) -> None:
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # blocks; Ctrl-C/SIGTERM interrupt the wait (PEP 475)
        except OSError as exc:
            raise FileError(f"无法锁定: {path}", details={"path": path, "reason": exc.strerror or str(exc)}) from exc
        return
    import msvcrt

    while True:  # LK_NBLCK on the first byte; poll so that Ctrl-C stays responsive
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return
        except OSError:
            time.sleep(0.1)


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return
    import msvcrt

    os.lseek(fd, 0, os.SEEK_SET)
    msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
