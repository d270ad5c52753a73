"""The JSON config file: saved credentials and a few settings.

Layout: ``{"api_base": ..., "token": ..., "cookie": ..., "username": ...}``;
unknown keys are kept untouched.  Writes are atomic (temp + fsync + rename),
the file is 0600 and its folder 0700, and every read-modify-write holds an
exclusive lock on the folder (where the OS has ``flock``), so that two jqcli
processes never undo each other's change.  A corrupt or unreadable file is a
file_error naming the path; ``auth logout`` can still reset it (the broken
file is kept aside, never silently destroyed).  Only a regular file of at
most 1 MiB is read: a directory, device or FIFO is refused, never waited on
or replaced.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Iterator, Optional

from jqcli.adapters.filesystem import (
    SMALL_FILE_LIMIT,
    atomic_write_bytes,
    ensure_private_dir,
    read_regular_file,
    refuse_non_regular,
)
from jqcli.domain.credentials import ConfigCleared, Credentials, credential_problem
from jqcli.domain.errors import FileError
from jqcli.domain.redaction import SECRETS

# Saved together and forgotten together by `auth logout` (api_base only when the
# credentials were obtained for a non-default site).
SECRET_KEYS = ("token", "cookie", "username", "api_base")
LOCK_WAIT_SECONDS = 10.0
RESET_HINT = "修正该文件,或运行 jqcli auth logout 重置它(原文件会另存为 .corrupt)"


class JsonConfigStore:
    """Implements the ``CredentialStore`` port over one JSON file."""

    def __init__(self, path: str) -> None:
        self.path = path

    # -- reading -----------------------------------------------------------------------------
    def read_raw(self) -> dict[str, object]:
        """The whole file as a dict; ``{}`` when it does not exist."""
        data = read_regular_file(self.path, what="配置文件", limit=SMALL_FILE_LIMIT)
        if data is None or not data.strip():
            return {}
        try:
            parsed = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise FileError(
                f"配置文件已损坏(不是有效的 JSON): {self.path}",
                details={"path": self.path, "reason": str(exc)},
                hint=RESET_HINT,
            ) from exc
        except RecursionError:
            raise FileError(
                f"配置文件已损坏(嵌套层数过深): {self.path}", details={"path": self.path}, hint=RESET_HINT
            ) from None
        if not isinstance(parsed, dict):
            raise FileError(
                f"配置文件格式错误(顶层应为 JSON 对象): {self.path}", details={"path": self.path}, hint=RESET_HINT
            )
        return parsed

    def credentials_of(self, raw: dict[str, object]) -> Credentials:
        """The saved credentials in ``raw``, checked and registered with the redactor."""
        for key in ("token", "cookie", "username"):
            if raw.get(key) is not None and not isinstance(raw.get(key), str):  # e.g. a hand-edited 123 or [..]
                raise FileError(
                    f"配置文件中保存的 {key} 类型无效(应为字符串): {self.path}",
                    details={"path": self.path, "key": key},
                    hint="重新运行 jqcli auth import-cookie / auth login,或运行 jqcli auth logout 清除它",
                )
        credentials = Credentials(
            token=_text(raw.get("token")), cookie=_text(raw.get("cookie")), username=_text(raw.get("username"))
        )
        SECRETS.add_all(credentials.token, credentials.cookie)
        for kind, value in (("cookie", credentials.cookie), ("token", credentials.token)):
            problem = credential_problem(kind, value.strip())
            if problem:
                raise FileError(
                    f"配置文件中保存的 {kind} 无效({problem}): {self.path}",
                    details={"path": self.path, "key": kind},
                    hint="重新运行 jqcli auth import-cookie / auth login,或运行 jqcli auth logout 清除它",
                )
        return credentials

    def load(self) -> Credentials:
        return self.credentials_of(self.read_raw())

    def setting(self, key: str) -> str:
        """A non-secret setting such as ``api_base`` ("" when absent)."""
        return _text(self.read_raw().get(key))

    # -- writing -----------------------------------------------------------------------------
    def save(self, credentials: Credentials, *, api_base: str = "") -> None:
        """Replace the saved credentials (and the site they belong to, if not the default)."""
        with self._locked():
            raw = self.read_raw()
            for key in SECRET_KEYS:
                raw.pop(key, None)
            if credentials.token:
                raw["token"] = credentials.token
            if credentials.cookie:
                raw["cookie"] = credentials.cookie
            if credentials.username:
                raw["username"] = credentials.username
            if api_base:
                raw["api_base"] = api_base
            self._write(raw)

    def write_back(self, started_with: Credentials, started_api_base: str, cookie: str) -> bool:
        """Save a session the site rotated, only if the file still holds what the command started with.

        Compare-and-swap under the folder lock: if another command (``auth
        import-cookie``, ``auth login``, ``auth logout`` or another write-back)
        changed the saved credential or its site meanwhile, nothing is written
        and ``False`` is returned, so that the newer credential is never undone.
        """
        if not os.path.isfile(self.path):
            return False  # logged out (or replaced by something that is not ours) meanwhile
        try:
            with self._locked():
                raw = self.read_raw()
                current = self.credentials_of(raw)
                if (current.token, current.cookie, _text(raw.get("api_base"))) != (
                    started_with.token,
                    started_with.cookie,
                    started_api_base,
                ):
                    return False
                raw.pop("token", None)
                raw["cookie"] = cookie
                self._write(raw)
                return True
        except FileError:
            # damaged or locked too long meanwhile: the command itself succeeded, and a file we
            # cannot read consistently is not ours to overwrite
            return False

    def clear(self) -> ConfigCleared:
        """Remove token/cookie/username/api_base; a corrupt file is moved aside (``.corrupt``) and replaced."""
        if not os.path.lexists(self.path):
            return ConfigCleared()
        with self._locked():
            try:
                raw = self.read_raw()
            except FileError:
                if not os.path.isfile(self.path):  # missing, or a device/FIFO/folder: never replaced
                    raise
                backup = self.path + ".corrupt"
                try:
                    os.replace(self.path, backup)
                except OSError as exc:
                    raise FileError(
                        f"无法重置配置文件: {self.path}", details={"path": self.path, "reason": str(exc)}
                    ) from exc
                self._write({})
                return ConfigCleared(reset=True, backup=backup)
            if not any(key in raw for key in SECRET_KEYS):
                return ConfigCleared()
            for key in SECRET_KEYS:
                raw.pop(key, None)
            self._write(raw)
            return ConfigCleared()

    def _write(self, raw: dict[str, object]) -> None:
        refuse_non_regular(self.path, what="配置文件")
        ensure_private_dir(os.path.dirname(self.path))
        payload = json.dumps(raw, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        atomic_write_bytes(self.path, payload.encode("utf-8"), mode=0o600)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive lock on the config's folder for one read-modify-write (no lock file is left).

        A missing folder is created (0700) first: the write that follows needs it anyway.
        """
        folder = os.path.dirname(os.path.abspath(self.path)) or "."
        refuse_non_regular(self.path, what="配置文件")
        ensure_private_dir(folder)
        fd = _lock_folder(folder, self.path)
        try:
            yield
        finally:
            if fd is not None:
                os.close(fd)  # closing drops the lock


def _lock_folder(folder: str, path: str) -> Optional[int]:
    """The descriptor holding ``flock`` on ``folder``; ``None`` where folders cannot be locked."""
    try:
        import fcntl
    except ImportError:  # Windows: the compare-and-swap still re-reads just before the atomic replace
        return None
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise FileError(
                    f"配置文件正被另一个 jqcli 进程修改,等待 {LOCK_WAIT_SECONDS:g} 秒后仍未完成: {path}",
                    details={"path": path},
                    hint="确认没有卡住的 jqcli 进程后重试",
                ) from None
            time.sleep(0.02)
        except OSError:  # a file system without flock: fall back to the re-read
            os.close(fd)
            return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
