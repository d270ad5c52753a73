"""Settings of one invocation: flags, ``.env``, real environment and the config file.

Real environment variables win over ``.env`` values; ``--env-file`` picks the
file (default ``./.env``, silently absent).  Credentials follow the spec's
precedence (``jqcli.domain.credentials``).  Kept on the fast path: stdlib only.
"""

from __future__ import annotations

import os

from jqcli.adapters.config.dotenv import parse_dotenv
from jqcli.adapters.config.paths import default_data_dir, resolve_config_path
from jqcli.adapters.config.store import JsonConfigStore
from jqcli.domain.credentials import Credentials, ResolvedCredential, resolve_credentials
from jqcli.domain.errors import FileError, UsageError

DEFAULT_API_BASE = "https://www.joinquant.com"
SANDBOX_API_BASE = "http://sandbox.localhost"
TRUTHY = frozenset({"1", "true", "yes", "on"})


class Settings:
    """Everything a command needs to know about where and as whom it runs."""

    def __init__(self, args: object, environ: dict[str, str], cwd: str) -> None:
        self.args = args
        self.real_environ = dict(environ)
        self.cwd = cwd
        self.env_file, self.dotenv, self.dotenv_bad_lines = _load_dotenv(getattr(args, "env_file", None), environ, cwd)
        merged = dict(self.dotenv)
        merged.update(environ)
        self.env = merged
        self.sandbox = (
            bool(getattr(args, "sandbox", False)) or merged.get("JQCLI_SANDBOX", "").strip().lower() in TRUTHY
        )
        self.data_dir = default_data_dir(merged)
        if self.sandbox:
            # The sandbox keeps its own config so that it never reads or writes the real credentials.
            if (
                getattr(args, "api_base", None)
                or getattr(args, "flag_token", None)
                or getattr(args, "flag_cookie", None)
            ):
                raise UsageError("--sandbox 不能与 --api-base/--token/--cookie 同时使用:沙盒总是使用演示账号")
            self.config_path = os.path.join(self.sandbox_dir, "config.json")
        else:
            self.config_path = resolve_config_path(_abs(getattr(args, "config", None), cwd), merged)
        self.store = JsonConfigStore(self.config_path)
        self.format: str = getattr(args, "format", "table")
        self.debug: bool = bool(getattr(args, "debug", False))
        self.quiet: bool = bool(getattr(args, "quiet", False))
        self.non_interactive: bool = bool(getattr(args, "non_interactive", False))
        self.timeout: float = float(getattr(args, "timeout", 30.0))
        self.flag_token: str = getattr(args, "flag_token", None) or ""
        self.flag_cookie: str = getattr(args, "flag_cookie", None) or ""
        self.allow_custom_api_base: bool = bool(getattr(args, "allow_custom_api_base", False)) or (
            merged.get("JQCLI_ALLOW_CUSTOM_API_BASE", "").strip().lower() in TRUTHY
        )
        self.page_workers: int = _page_workers(merged.get("JQCLI_PAGE_WORKERS", ""))
        self._saved: Credentials | None = None

    # -- derived values ------------------------------------------------------------------------
    @property
    def sandbox_dir(self) -> str:
        """Where the embedded sandbox keeps its state (``$XDG_DATA_HOME/jqcli/sandbox``)."""
        return os.path.join(self.data_dir, "sandbox")

    def env_value(self, name: str) -> str:
        return self.env.get(name, "")

    def saved_credentials(self) -> Credentials:
        if self._saved is None:
            self._saved = self.store.load()
        return self._saved

    def credential(self) -> ResolvedCredential:
        """The credential to use, by the spec's precedence (reads the config only if needed).

        In sandbox mode only the sandbox's own config counts; an empty result there
        means "use the demo account" (filled in by the composition root).
        """
        if self.sandbox:
            return resolve_credentials(saved=self.saved_credentials())
        quick = resolve_credentials(
            flag_token=self.flag_token,
            flag_cookie=self.flag_cookie,
            env_token=self.env_value("JQCLI_TOKEN"),
            env_cookie=self.env_value("JQCLI_COOKIE"),
        )
        if quick:
            return quick
        return resolve_credentials(saved=self.saved_credentials())

    @property
    def api_base(self) -> str:
        """``--api-base`` > ``JQCLI_API_BASE`` > config ``api_base`` > the real site."""
        if self.sandbox:
            return SANDBOX_API_BASE
        flag = getattr(self.args, "api_base", None)
        chosen = flag or self.env_value("JQCLI_API_BASE")
        if not chosen:
            try:
                chosen = self.store.setting("api_base")
            except FileError:
                chosen = ""
        return normalize_api_base(chosen or DEFAULT_API_BASE)

    @property
    def api_base_is_explicit(self) -> bool:
        if self.sandbox:
            return False
        return bool(getattr(self.args, "api_base", None) or self.env_value("JQCLI_API_BASE"))


PAGE_WORKERS_DEFAULT = 4


def _page_workers(text: str) -> int:
    """``JQCLI_PAGE_WORKERS``: list pages read at a time (1–8; 1 = one request at a time)."""
    text = text.strip()
    if not text:
        return PAGE_WORKERS_DEFAULT
    if not text.isdigit() or not 1 <= int(text) <= 8:
        raise UsageError(f"JQCLI_PAGE_WORKERS 必须是 1 到 8 的整数,而不是 {text!r}", hint="1 表示逐页顺序读取")
    return int(text)


def normalize_api_base(url: str) -> str:
    """``https://host[:port][/prefix]`` without a trailing slash; refuses what is not http(s)."""
    url = url.strip().rstrip("/")
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not rest or rest.startswith("/"):
        raise UsageError(
            f"--api-base 应为 http(s)://主机 形式的地址,收到 {url!r}",
            details={"api_base": url},
        )
    return f"{scheme.lower()}://{rest}"


def _abs(path: str | None, cwd: str) -> str | None:
    if not path:
        return None
    path = os.path.expanduser(path)
    return path if os.path.isabs(path) else os.path.join(cwd, path)


def _load_dotenv(flag: str | None, environ: dict[str, str], cwd: str) -> tuple[str, dict[str, str], list[int]]:
    explicit = bool(flag)
    path = _abs(flag, cwd) if flag else os.path.join(cwd, ".env")
    assert path is not None
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except FileNotFoundError:
        if explicit:
            raise FileError(f"找不到 env 文件: {path}", details={"path": path}) from None
        return "", {}, []
    except IsADirectoryError:
        raise FileError(f"env 文件路径是一个目录: {path}", details={"path": path}) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileError(f"无法读取 env 文件: {path}", details={"path": path, "reason": str(exc)}) from exc
    parsed = parse_dotenv(text, environ)
    return path, parsed.values, parsed.bad_lines
