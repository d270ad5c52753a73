"""File primitives shared by the file adapters (config, archive): atomic replace and folders.

A module of ``jqcli.adapters`` itself, not of one adapter, so that adapters stay
independent of each other while writing files the same way.
"""

from __future__ import annotations

import os

from jqcli.domain.errors import FileError


def ensure_private_dir(path: str) -> None:
    """Create ``path`` (and parents) with mode 0700 if it is missing."""
    if os.path.isdir(path):
        return
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise FileError(f"无法创建目录: {path}", details={"path": path, "reason": exc.strerror or str(exc)}) from exc


def atomic_write_bytes(path: str, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` (temp file in the same folder + fsync + rename + fsync of the folder).

    Readers see the old or the new file, never half of one, even after a crash.
    """
    folder = os.path.dirname(os.path.abspath(path)) or "."
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(folder)
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise FileError(f"无法写入文件: {path}", details={"path": path, "reason": exc.strerror or str(exc)}) from exc


def fsync_dir(folder: str) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be fsynced)."""
    if not hasattr(os, "O_DIRECTORY"):
        return  # Windows: directories cannot be opened for fsync
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return  # the rename is done; a folder we cannot open for fsync is not a failure
    try:
        os.fsync(fd)
    except OSError:
        return
    finally:
        os.close(fd)
