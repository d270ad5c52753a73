"""Strategy files and their folder manifest on disk (``StrategyFiles``; issue 13 item 7).

Files are written atomically (temp file in the same folder, fsync, rename) and never onto a device, FIFO
or folder (``adapters.filesystem``).  A file name is always a plain name inside its folder: a strategy
called ``../x`` or ``a/b`` never leads outside it.  The manifest is UTF-8 JSON, indented and sorted, so it
can live in version control next to the files.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Dict, Iterator, Mapping, Optional

from jqcli.adapters.filesystem import atomic_write_bytes, read_regular_file
from jqcli.adapters.locks import FileNameLock
from jqcli.domain.errors import FileError
from jqcli.domain.localfiles import MANIFEST_NAME, Tracked, check_file_name, manifest_data, manifest_entries

MAX_CODE_BYTES = 8 * 1024 * 1024  # the same cap as --file
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
FILE_MODE = 0o644  # source files the user keeps (the umask still applies)


def path_in(folder: str, file: str) -> str:
    """``folder/file`` for a plain ``file`` name; anything that would leave ``folder`` is refused."""
    path = os.path.join(folder, check_file_name(file))
    if os.path.dirname(os.path.abspath(path)) != os.path.abspath(folder):
        raise FileError(f"文件名会落到目录之外,已拒绝: {file!r}", details={"folder": folder, "file": file})
    return path


class FolderStrategyFiles:
    """``StrategyFiles`` on the local file system; manifest locks are files under ``lock_folder``."""

    def __init__(self, lock_folder: str) -> None:
        self._locks = FileNameLock(lock_folder, scope="strategy-files")

    def manifest(self, folder: str) -> Dict[str, Tracked]:
        path = os.path.join(folder, MANIFEST_NAME)
        raw = read_regular_file(path, what="清单文件", limit=MAX_MANIFEST_BYTES)
        if raw is None:
            return {}
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise FileError(
                f"清单文件已损坏,无法读取: {path}",
                details={"path": path, "reason": str(exc)},
                hint="修复或删除该文件后,用 jqcli strategy pull --force 重新拉取",
            ) from None
        return manifest_entries(data)

    def save_manifest(self, folder: str, entries: Mapping[str, Tracked]) -> None:
        self._ensure_folder(folder)
        text = json.dumps(manifest_data(entries), ensure_ascii=False, indent=2) + "\n"
        atomic_write_bytes(os.path.join(folder, MANIFEST_NAME), text.encode("utf-8"), mode=FILE_MODE)

    def read_code(self, folder: str, file: str) -> Optional[str]:
        raw = read_regular_file(path_in(folder, file), what="源码文件", limit=MAX_CODE_BYTES)
        if raw is None:
            return None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileError(
                f"{file} 不是 UTF-8 编码: {exc.reason}(第 {exc.start} 字节)", details={"folder": folder, "file": file}
            ) from None

    def write_code(self, folder: str, file: str, code: str) -> None:
        path = path_in(folder, file)
        self._ensure_folder(folder)
        atomic_write_bytes(path, code.encode("utf-8"), mode=FILE_MODE)  # replaces a symlink, never its target

    @contextlib.contextmanager
    def locked(self, folder: str) -> Iterator[None]:
        with self._locks.hold(os.path.realpath(folder)):
            yield

    @staticmethod
    def _ensure_folder(folder: str) -> None:
        if os.path.isdir(folder):
            return
        if os.path.exists(folder):
            raise FileError(f"不是目录: {folder}", details={"path": folder})
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise FileError(f"无法创建目录: {folder}", details={"path": folder, "reason": exc.strerror}) from exc
