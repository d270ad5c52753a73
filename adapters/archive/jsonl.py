"""The canonical post archive: a JSONL file, one line per post, with a compact in-memory index.

Crash safety (a ``kill -9`` at any moment):
- records are only ever *appended* (one ``write`` per line, ``O_APPEND``); the
  last line for an id wins, and ``flush`` fsyncs before the caller records
  progress in the state file, so the state never claims more than the file holds;
- loading drops a torn last line (no trailing newline, or unparsable) by
  truncating the file back to the last complete line: nothing complete is lost,
  nothing is read twice;
- ``close`` rewrites the file to exactly one line per post (newest first) into a
  temp file, fsyncs it and renames it over the store: readers see the old or the
  new file, never a mix.
Memory: only ``id → (offset, length, published_at, flags)`` and a 64-bit
natural-key hash per post stay in memory; a record is read back with ``pread``.
A sidecar ``<store>.idx`` caches that index so that opening a large store is
cheap; it is trusted only for the exact file it describes (inode, device, mtime,
tail digest) and the bytes after it are scanned; it is rewritten only when the
store changed.
Damage: a complete line that cannot be read (not JSON, no ``id``) is copied to
``<store>.corrupt-<time>`` when the store is opened, before compaction drops it;
a line with wrongly typed fields is read leniently (``clean_record``) and counted.
The store is always its real file: a symlink is followed (the lock, the temp files
and the rename all use the target), so two names for one store share one lock.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from jqcli.adapters.archive.files import StoreLock, ensure_parent, real_path, remove_stale_temps, require_regular
from jqcli.adapters.filesystem import atomic_write_bytes, fsync_dir
from jqcli.application.ports import StoreHealth
from jqcli.domain.archive import clean_record, natural_key, needs
from jqcli.domain.errors import FileError

Entry = Tuple[int, int, str, int]  # offset, length, published_at, needs-flags
PENDING_LIMIT = 4 << 20  # bytes of unwritten lines that are written without waiting for a flush
INDEX_VERSION = 2


# One encoder for every line: ``json.dumps`` with options builds a new ``JSONEncoder`` per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(record: Mapping[str, Any]) -> bytes:
    return (_ENCODER.encode(record) + "\n").encode("utf-8")


class JsonlPostArchive:
    """Implements ``PostArchive`` (single writer, guarded by ``<store>.lock``)."""

    def __init__(self, path: str, *, lock: bool = True) -> None:
        self.named = path
        self.path = real_path(path)
        self._lock = StoreLock(path) if lock else None
        self._fd: Optional[int] = None
        self._forget()

    def _forget(self) -> None:
        """The in-memory state of an unopened store."""
        self.index: Dict[str, Entry] = {}
        self.natural: Dict[int, str] = {}
        self.lines = 0  # lines in the file (superseded ones included)
        self.torn_bytes = 0
        self.corrupt_lines = 0  # unreadable complete lines found when opened
        self.corrupt_backup = ""  # where they were copied
        self.repaired_lines = 0  # lines read leniently (wrongly typed fields)
        self.repaired_fields: Set[str] = set()
        self.removed_temps: List[str] = []
        self.appended = 0
        self._size = 0  # the store's length including the lines still in ``_pending``
        # Lines put since the last flush, written with one system call when the writer flushes (once per
        # list page at most, never per record).  ``_written`` is where they start in the file.
        self._pending = bytearray()
        self._written = 0
        self._dirty = False
        self._sidecar_current = False  # the sidecar on disk describes the file exactly
        self._corrupt: List[bytes] = []
        self._last_natural: Tuple[str, int] = ("", 0)

    # -- opening -------------------------------------------------------------------------------
    def open(self) -> JsonlPostArchive:
        # a folder, device or FIFO is never opened as the store (nor a link to one)
        require_regular(self.named, "存档")
        require_regular(self.path, "存档")
        ensure_parent(self.path)
        if self._lock:
            self._lock.acquire()
        try:
            self._cleanup_temp()
            flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
            try:
                self._fd = os.open(self.path, flags, 0o644)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise FileError(f"无法打开存档: {self.named}", details={"path": self.named, "reason": reason}) from exc
            start = self._load_sidecar()
            self._scan(start)
            self._back_up_corrupt()
        except BaseException:
            self.close(compact=False)
            raise
        return self

    def _cleanup_temp(self) -> None:
        """Temp files of this store that a killed compaction or sidecar write left (never another file's)."""
        self.removed_temps = remove_stale_temps(self.path, "compact")
        self.removed_temps += remove_stale_temps(self.path + ".idx", "[0-9a-f]{8}")

    def _identity(self) -> Dict[str, Any]:
        assert self._fd is not None
        info = os.fstat(self._fd)
        return {"inode": info.st_ino, "device": info.st_dev, "mtime_ns": info.st_mtime_ns}

    def _load_sidecar(self) -> int:
        try:
            with open(self.path + ".idx", "rb") as handle:
                data = json.loads(handle.read().decode("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return 0
        if not isinstance(data, dict) or data.get("version") != INDEX_VERSION:
            return 0
        size = data.get("size")
        file_size = os.fstat(self._fd).st_size if self._fd is not None else 0
        if data.get("identity") != self._identity() or not isinstance(size, int) or size > file_size:
            return 0
        if size and self._tail_digest(size) != data.get("tail"):
            return 0
        for key, offset, length, published, flags, nat in data.get("entries") or ():
            self.index[key] = (offset, length, published, flags)
            if nat:
                self.natural[nat] = key
        lines = data.get("lines")
        self.lines = lines if isinstance(lines, int) else len(self.index)
        self._sidecar_current = size == file_size
        return size

    def _tail_digest(self, size: int) -> str:
        assert self._fd is not None
        start = max(0, size - 256)
        return hashlib.blake2b(os.pread(self._fd, size - start, start), digest_size=16).hexdigest()

    def _scan(self, start: int) -> None:
        """Index every complete line from ``start``; truncate a torn tail."""
        assert self._fd is not None
        good = start
        with open(self.path, "rb") as handle:
            handle.seek(start)
            offset = start
            for raw in handle:
                if not raw.endswith(b"\n"):
                    break  # torn last line: the process died mid-write
                try:
                    record = json.loads(raw.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    record = None
                if not isinstance(record, dict) or not isinstance(record.get("id"), (str, int)) or not record["id"]:
                    self.corrupt_lines += 1
                    self._corrupt.append(raw)
                else:
                    record, fixed = clean_record(record)
                    if fixed:
                        self.repaired_lines += 1
                        self.repaired_fields.update(fixed)
                    self._index_line(record, offset, len(raw))
                offset += len(raw)
                good = offset
        size = os.fstat(self._fd).st_size
        if size > good:
            self.torn_bytes = size - good
            os.ftruncate(self._fd, good)
            os.fsync(self._fd)
            self._sidecar_current = False
        self._size = good

    def _back_up_corrupt(self) -> None:
        """Copy the unreadable lines aside before anything (compaction) can drop them."""
        if not self._corrupt:
            return
        backup = f"{self.path}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
        try:
            with open(backup, "ab") as out:
                out.write(b"".join(self._corrupt))
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise FileError(
                f"存档有 {self.corrupt_lines} 行无法读取,且无法备份它们: {backup}",
                details={"path": backup, "reason": reason, "corrupt_lines": self.corrupt_lines},
                hint="先修复目录权限或磁盘空间;在备份成功前不会改写存档",
            ) from exc
        self.corrupt_backup = backup
        self._corrupt = []

    def _natural_hash(self, record: Mapping[str, Any]) -> int:
        """The natural key's 64-bit hash, reusing the digest ``find_natural`` just computed for the same key."""
        key = natural_key(record)
        if not key:
            return 0
        if self._last_natural[0] == key:
            return self._last_natural[1]
        return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big")

    def _index_line(self, record: Mapping[str, Any], offset: int, length: int) -> None:
        key = str(record["id"])
        legacy = record.get("legacy_ids")
        for old in legacy if isinstance(legacy, list) else ():
            if old != key and self.index.pop(str(old), None) is not None:
                self._dirty = True
        if key in self.index:
            self._dirty = True
        self.index[key] = (offset, length, str(record.get("published_at") or ""), needs(record))
        nat = self._natural_hash(record)
        if nat:
            self.natural[nat] = key
        self.lines += 1

    # -- PostArchive -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, key: object) -> bool:
        return key in self.index

    def get(self, key: str) -> Optional[dict[str, Any]]:
        entry = self.index.get(key)
        if entry is None:
            return None
        assert self._fd is not None
        offset, length = entry[0], entry[1]
        if self._pending and offset >= self._written:
            raw = bytes(self._pending[offset - self._written : offset - self._written + length])
        else:
            raw = os.pread(self._fd, length, offset)
        try:
            record = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise FileError(
                f"存档在运行中被改动,无法读取: {self.named}",
                details={"path": self.named, "id": key},
                hint="确认没有其他程序在改写它,然后重新运行",
            ) from exc
        return clean_record(record)[0] if isinstance(record, dict) else None

    def find_natural(self, natural: str) -> Optional[str]:
        if not natural:
            return None
        digest = int.from_bytes(hashlib.blake2b(natural.encode("utf-8"), digest_size=8).digest(), "big")
        self._last_natural = (natural, digest)  # the list walk looks a new post up, then puts it
        key = self.natural.get(digest)
        if key is None or key not in self.index:
            return None
        record = self.get(key)
        return key if record is not None and natural_key(record) == natural else None

    def put(self, record: Mapping[str, Any], *, replaces: Sequence[str] = ()) -> bool:
        if self._fd is None:
            raise FileError("存档未打开", details={"path": self.path})
        body = dict(record)
        stale = [old for old in replaces if old != body.get("id")]
        if stale:
            known = body.get("legacy_ids")
            body["legacy_ids"] = sorted(set((known if isinstance(known, list) else []) + stale))
        data = _dumps(body)
        self._sidecar_current = False
        if not self._pending:
            self._written = self._size
        self._pending += data
        self._index_line(body, self._size, len(data))
        self._size += len(data)
        self.appended += 1
        if len(self._pending) >= PENDING_LIMIT:
            self._write_pending()
        return True

    def _write_pending(self) -> None:
        """Append the pending lines to the file (no fsync).

        The file is opened ``O_APPEND`` and locked against other writers, so its size after a write says
        exactly how much of the buffer reached it, even when a signal cut the loop between two writes.
        """
        if not self._pending or self._fd is None:
            return
        try:
            try:
                while self._pending:
                    written = os.write(self._fd, self._pending)
                    del self._pending[:written]
                    self._written += written
            finally:
                end = os.fstat(self._fd).st_size
                done = end - self._written
                if done > 0:  # written before an interrupt landed between the write and the bookkeeping
                    del self._pending[:done]
                    self._written = end
        except OSError as exc:
            raise FileError(f"无法写入存档: {self.path}", details={"reason": exc.strerror or str(exc)}) from exc

    def pending(self, flag: int, limit: Optional[int] = None) -> List[str]:
        keys = [key for key, entry in self.index.items() if entry[3] & flag]
        keys.sort(key=lambda k: self.index[k][2], reverse=True)
        return keys if limit is None else keys[:limit]

    def flags(self, key: str) -> int:
        entry = self.index.get(key)
        return entry[3] if entry else 0

    def flush(self) -> None:
        if self._fd is not None:
            self._write_pending()
            os.fsync(self._fd)

    def close(self, *, compact: bool = True) -> None:
        try:
            if self._fd is not None:
                self._write_pending()
                os.fsync(self._fd)
                if compact and (self._dirty or self.corrupt_lines or self.lines != len(self.index)):
                    self.compact()
                if not self._sidecar_current:
                    self._write_sidecar()
        finally:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            if self._lock:
                self._lock.release()

    # -- compaction and sidecar ----------------------------------------------------------------
    def compact(self) -> None:
        """Rewrite to one line per post, newest first, atomically (temp + fsync + rename)."""
        assert self._fd is not None
        self._write_pending()
        folder = os.path.dirname(os.path.abspath(self.path))
        tmp = os.path.join(folder, f".{os.path.basename(self.path)}.{os.getpid()}.compact.tmp")
        order = sorted(self.index, key=lambda k: self.index[k][2], reverse=True)
        fresh: Dict[str, Entry] = {}
        offset = 0
        with open(tmp, "wb") as out:
            for key in order:
                start, length, published, flags = self.index[key]
                out.write(os.pread(self._fd, length, start))
                fresh[key] = (offset, length, published, flags)
                offset += length
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
        fsync_dir(folder)
        os.close(self._fd)
        self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | getattr(os, "O_BINARY", 0))
        self.index, self._size, self.lines, self._dirty, self.corrupt_lines = fresh, offset, len(fresh), False, 0
        self._sidecar_current = False

    def _write_sidecar(self) -> None:
        if self.corrupt_lines:
            self._remove_sidecar()  # a sidecar would hide the unreadable lines from the next open
            return
        reverse = {key: nat for nat, key in self.natural.items()}
        entries = [[key, *entry, reverse.get(key, 0)] for key, entry in self.index.items()]
        data = {
            "version": INDEX_VERSION,
            "size": self._size,
            "lines": self.lines,
            "identity": self._identity(),
            "tail": self._tail_digest(self._size) if self._size else "",
            "entries": entries,
        }
        try:
            atomic_write_bytes(self.path + ".idx", json.dumps(data, separators=(",", ":")).encode("utf-8"), mode=0o644)
        except FileError:
            self._remove_sidecar()  # the sidecar is only a cache; a stale one must not stay
            return
        self._sidecar_current = True

    def _remove_sidecar(self) -> None:
        try:
            os.unlink(self.path + ".idx")
        except OSError:
            return  # not there; a stale one is rejected by its identity check anyway

    def reset(self) -> None:
        """``--force``: close the store, delete its files and open it again, empty, without letting go of the lock."""
        lock, self._lock = self._lock, None
        try:
            self.close(compact=False)
            self.remove_files()
            self._forget()
            self.open()
        finally:
            self._lock = lock

    def health(self) -> StoreHealth:
        return StoreHealth(
            torn_bytes=self.torn_bytes,
            corrupt_lines=self.corrupt_lines,
            corrupt_backup=self.corrupt_backup,
            repaired_lines=self.repaired_lines,
            repaired_fields=tuple(sorted(self.repaired_fields)),
            removed_temps=tuple(self.removed_temps),
        )

    def remove_files(self) -> None:
        """Delete the store and its sidecar (``--force``); the lock file stays."""
        for path in (self.path, self.path + ".idx"):
            try:
                os.unlink(path)
            except FileNotFoundError:
                continue
