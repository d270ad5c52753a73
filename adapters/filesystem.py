"""File primitives shared by the file adapters (config, archive): atomic replace and folders.

A module of ``jqcli.adapters`` itself, not of one adapter, so that adapters stay
independent of each other while writing files the same way.

Every path the CLI reads or writes as a file goes through ``refuse_non_regular``
(or ``read_regular_file``): a directory, device node, FIFO or socket is a
``file_error`` before anything is opened for writing, so that ``/dev/null`` or
a FIFO is never replaced by a regular file and a FIFO is never waited on.
"""

from __future__ import annotations

import os
import stat
from typing import Optional

from jqcli.domain.errors import FileError

SMALL_FILE_LIMIT = 1024 * 1024  # config.json and .env: 1 MiB is far more than either ever needs


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "目录"
    if stat.S_ISFIFO(mode):
        return "FIFO(命名管道)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "非普通文件"


def refuse_non_regular(path: str, *, what: str = "文件") -> Optional[os.stat_result]:
    """``None`` when ``path`` does not exist, its stat when it is a regular file; else a ``FileError``.

    Symbolic links are followed: a link to a regular file is fine, a link to
    ``/dev/null`` is not.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileError(f"无法访问{what}: {path}", details={"path": path, "reason": exc.strerror or str(exc)}) from exc
    if not stat.S_ISREG(info.st_mode):
        kind = _kind(info.st_mode)
        raise FileError(
            f"{what}路径不是普通文件(是{kind}): {path}",
            details={"path": path, "file_type": kind},
            hint="请指定一个普通文件的路径",
        )
    return info


def read_regular_file(path: str, *, what: str = "文件", limit: int = SMALL_FILE_LIMIT) -> Optional[bytes]:
    """The bytes of the regular file ``path`` (``None`` if missing), refusing anything else.

    Opened with ``O_NONBLOCK`` so that a FIFO swapped in after the check cannot
    block, checked again on the open descriptor, and read up to ``limit`` bytes:
    a larger file is a ``FileError`` rather than an unbounded read.
    """
    refuse_non_regular(path, what=what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileError(f"无法读取{what}: {path}", details={"path": path, "reason": exc.strerror or str(exc)}) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _kind(info.st_mode)
            raise FileError(f"{what}路径不是普通文件(是{kind}): {path}", details={"path": path, "file_type": kind})
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise FileError(f"无法读取{what}: {path}", details={"path": path, "reason": exc.strerror or str(exc)}) from exc
    finally:
        os.close(fd)
    if size > limit:
        raise FileError(
            f"{what}过大(超过 {limit // 1024} KiB),拒绝读取: {path}",
            details={"path": path, "limit_bytes": limit},
        )
    return b"".join(chunks)


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
    refuse_non_regular(path)  # never replace /dev/null, a FIFO or a folder with a regular file
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
