"""The JSON config file: saved credentials and a few settings.

Layout: ``{"api_base": ..., "token": ..., "cookie": ..., "username": ...}``;
unknown keys are kept untouched.  Writes are atomic (temp + fsync + rename),
the file is 0600 and its folder 0700.  A corrupt or unreadable file is a
file_error naming the path; ``auth logout`` can still reset it (the broken
file is kept aside, never silently destroyed).
"""

from __future__ import annotations

import json
import os

from jqcli.adapters.filesystem import atomic_write_bytes, ensure_private_dir
from jqcli.domain.credentials import Credentials
from jqcli.domain.errors import FileError

# Saved together and forgotten together by `auth logout` (api_base only when the
# credentials were obtained for a non-default site).
SECRET_KEYS = ("token", "cookie", "username", "api_base")


class JsonConfigStore:
    """Implements the ``CredentialStore`` port over one JSON file."""

    def __init__(self, path: str) -> None:
        self.path = path

    # -- reading -----------------------------------------------------------------------------
    def read_raw(self) -> dict[str, object]:
        """The whole file as a dict; ``{}`` when it does not exist."""
        try:
            with open(self.path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise FileError(
                f"无法读取配置文件: {self.path}",
                details={"path": self.path, "reason": exc.strerror or str(exc)},
            ) from exc
        if not data.strip():
            return {}
        try:
            parsed = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise FileError(
                f"配置文件已损坏(不是有效的 JSON): {self.path}",
                details={"path": self.path, "reason": str(exc)},
                hint="修正该文件,或运行 jqcli auth logout 重置它(原文件会另存为 .corrupt)",
            ) from exc
        if not isinstance(parsed, dict):
            raise FileError(
                f"配置文件格式错误(顶层应为 JSON 对象): {self.path}",
                details={"path": self.path},
                hint="修正该文件,或运行 jqcli auth logout 重置它(原文件会另存为 .corrupt)",
            )
        return parsed

    def load(self) -> Credentials:
        raw = self.read_raw()
        return Credentials(
            token=_text(raw.get("token")),
            cookie=_text(raw.get("cookie")),
            username=_text(raw.get("username")),
        )

    def setting(self, key: str) -> str:
        """A non-secret setting such as ``api_base`` ("" when absent)."""
        return _text(self.read_raw().get(key))

    # -- writing -----------------------------------------------------------------------------
    def save(self, credentials: Credentials, *, api_base: str = "") -> None:
        """Replace the saved credentials (and the site they belong to, if not the default)."""
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

    def clear(self) -> dict[str, object]:
        """Remove token/cookie/username; a corrupt file is moved aside and replaced.

        Returns what was done (``{"reset": bool, "backup": path}``) for the output.
        """
        try:
            raw = self.read_raw()
        except FileError:
            if not os.path.exists(self.path):
                raise
            backup = self.path + ".corrupt"
            try:
                os.replace(self.path, backup)
            except OSError as exc:
                raise FileError(
                    f"无法重置配置文件: {self.path}", details={"path": self.path, "reason": str(exc)}
                ) from exc
            self._write({})
            return {"reset": True, "backup": backup}
        if not any(key in raw for key in SECRET_KEYS):
            return {"reset": False}
        for key in SECRET_KEYS:
            raw.pop(key, None)
        self._write(raw)
        return {"reset": False}

    def _write(self, raw: dict[str, object]) -> None:
        ensure_private_dir(os.path.dirname(self.path))
        payload = json.dumps(raw, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        atomic_write_bytes(self.path, payload.encode("utf-8"), mode=0o600)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
