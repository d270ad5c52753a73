"""Settings of one invocation: flags, ``.env``, real environment and the config file.

Real environment variables win over ``.env`` values; ``--env-file`` picks the
file (default ``./.env``, silently absent).  Credentials follow the spec's
precedence (``jqcli.domain.credentials``).  Kept on the fast path: stdlib only.

Settings that decide where credentials go are never taken from a ``.env``
file, whether auto-loaded or given with ``--env-file`` (a cloned repository's
``.env`` must not be able to send the saved session elsewhere): the site
(``JQCLI_API_BASE``), the allow switch (``JQCLI_ALLOW_CUSTOM_API_BASE``) and the
config file holding the credentials (``JQCLI_CONFIG``, and the HOME/XDG
variables it is found by) come only from flags, the real environment or the
config file.  A ``.env`` value for one of them is ignored with a warning.

Resolution is pure: the files it reads (``.env``, the config file) come through
a ``SettingsFiles`` object handed in by the composition root
(``jqcli.entrypoints.bootstrap.build_settings``); this module imports no adapter.
The command line's choices arrive as ``Flags``, so that the library's
``connect()`` builds the same ``Settings`` without an argparse namespace.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Protocol, Tuple

from jqcli.domain.credentials import (
    ConfigCleared,
    Credentials,
    ResolvedCredential,
    credential_problem,
    resolve_credentials,
)
from jqcli.domain.errors import FileError, UsageError
from jqcli.domain.redaction import SECRETS
from jqcli.domain.sites import BadSite, parse_site

DEFAULT_API_BASE = "https://www.joinquant.com"
SANDBOX_API_BASE = "http://sandbox.localhost"
TRUTHY = frozenset({"1", "true", "yes", "on"})
# Never read from a .env file: they decide where credentials are sent or stored.
DOTENV_IGNORED = ("JQCLI_API_BASE", "JQCLI_ALLOW_CUSTOM_API_BASE", "JQCLI_CONFIG")
SECRET_VARIABLES = ("JQCLI_COOKIE", "JQCLI_TOKEN", "JQCLI_PASSWORD")


class Flags(NamedTuple):
    """The global options that shape ``Settings`` (the argparse dests of ``jqcli.entrypoints.parser``)."""

    api_base: Optional[str] = None
    flag_cookie: Optional[str] = None
    flag_token: Optional[str] = None
    config: Optional[str] = None
    env_file: Optional[str] = None
    sandbox: bool = False
    timeout: float = 30.0
    allow_custom_api_base: bool = False
    format: str = "table"
    debug: bool = False
    quiet: bool = False
    non_interactive: bool = False

    @classmethod
    def from_args(cls, args: object) -> Flags:
        """The flags of a parsed command line (a missing attribute keeps its default)."""
        values: Dict[str, Any] = {name: getattr(args, name, default) for name, default in cls()._asdict().items()}
        return cls(**values)


class ConfigFile(Protocol):
    """The saved config (``jqcli.adapters.config.store.JsonConfigStore``), as settings and auth use it."""

    path: str

    def read_raw(self) -> Dict[str, object]: ...

    def credentials_of(self, raw: Dict[str, object]) -> Credentials: ...

    def save(self, credentials: Credentials, *, api_base: str = "") -> None: ...

    def write_back(self, started_with: Credentials, started_api_base: str, cookie: str) -> bool: ...

    def load(self) -> Credentials: ...

    def clear(self) -> ConfigCleared: ...


class SettingsFiles(Protocol):
    """What settings read from the machine: handed in by the composition root."""

    def read_env_file(self, path: str) -> Optional[bytes]:
        """A ``.env`` file's bytes (a regular file, size-limited), or None when it does not exist."""
        ...

    def parse_dotenv(self, text: str, environ: Dict[str, str]) -> Tuple[Dict[str, str], List[int]]:
        """``(values, line numbers that could not be read)``."""
        ...

    def data_dir(self, environ: Dict[str, str]) -> str: ...

    def config_path(self, flag: Optional[str], environ: Dict[str, str]) -> str: ...

    def config_store(self, path: str) -> ConfigFile: ...


class Settings:
    """Everything a command needs to know about where and as whom it runs."""

    def __init__(
        self,
        flags: Flags,
        environ: Dict[str, str],
        cwd: str,
        *,
        files: SettingsFiles,
        read_stdin: Optional[Callable[[str], str]] = None,
    ) -> None:
        for option, given in (
            ("--api-base", flags.api_base),
            ("--config", flags.config),
            ("--env-file", flags.env_file),
            ("--cookie", flags.flag_cookie),
            ("--token", flags.flag_token),
        ):
            # `--api-base "$URL"` with URL unset must not fall back to the real site and saved credentials
            if given is not None and not given.strip():
                raise UsageError(f"{option} 的值不能为空", details={"option": option}, hint="不需要时不要传这个选项")
        self.flags = flags
        self.real_environ = dict(environ)
        self.cwd = cwd
        self.env_file, self.dotenv, self.dotenv_bad_lines = _load_dotenv(files, flags.env_file, environ, cwd)
        self.dotenv_ignored = [key for key in DOTENV_IGNORED if self.dotenv.get(key, "").strip() and key not in environ]
        merged = {key: value for key, value in self.dotenv.items() if key not in DOTENV_IGNORED}
        merged.update(environ)
        self.env = merged
        SECRETS.add_all(*(merged.get(name, "") for name in SECRET_VARIABLES))
        self.sandbox = bool(flags.sandbox) or merged.get("JQCLI_SANDBOX", "").strip().lower() in TRUTHY
        self.data_dir = files.data_dir(merged)
        if self.sandbox:
            # The sandbox keeps its own config so that it never reads or writes the real credentials.
            if flags.api_base or flags.flag_token or flags.flag_cookie:
                raise UsageError("--sandbox 不能与 --api-base/--token/--cookie 同时使用:沙盒总是使用演示账号")
            self.config_path = os.path.join(self.sandbox_dir, "config.json")
        else:
            # the real environment only: a .env must not choose the file credentials are read from and saved to
            self.config_path = files.config_path(_abs(flags.config, cwd), self.real_environ)
        self.store: ConfigFile = files.config_store(self.config_path)
        self.format: str = flags.format
        self.debug: bool = bool(flags.debug)
        self.quiet: bool = bool(flags.quiet)
        self.non_interactive: bool = bool(flags.non_interactive)
        self.timeout: float = float(flags.timeout)
        self.flag_token: str = _flag_secret(flags.flag_token, "--token", read_stdin)
        self.flag_cookie: str = _flag_secret(flags.flag_cookie, "--cookie", read_stdin)
        SECRETS.add_all(self.flag_token, self.flag_cookie)
        self.allow_custom_api_base: bool = bool(flags.allow_custom_api_base) or (
            merged.get("JQCLI_ALLOW_CUSTOM_API_BASE", "").strip().lower() in TRUTHY
        )
        self.page_workers: int = _page_workers(merged.get("JQCLI_PAGE_WORKERS", ""))
        self._raw: Optional[Dict[str, object]] = None
        self._saved: Optional[Credentials] = None

    # -- derived values ------------------------------------------------------------------------
    @property
    def sandbox_dir(self) -> str:
        """Where the embedded sandbox keeps its state (``$XDG_DATA_HOME/jqcli/sandbox``)."""
        return os.path.join(self.data_dir, "sandbox")

    def env_value(self, name: str) -> str:
        return self.env.get(name, "")

    def config_snapshot(self) -> Dict[str, object]:
        """The config file as read once by this command (credential and site from the same read)."""
        if self._raw is None:
            self._raw = self.store.read_raw()
        return self._raw

    def saved_credentials(self) -> Credentials:
        if self._saved is None:
            self._saved = self.store.credentials_of(self.config_snapshot())
        return self._saved

    @property
    def saved_api_base(self) -> str:
        value = self.config_snapshot().get("api_base")
        return value if isinstance(value, str) else ""

    def write_back_session(self, cookie: str) -> bool:
        """Save a rotated session, only if the config still holds what this command started with."""
        return self.store.write_back(self.saved_credentials(), self.saved_api_base, cookie)

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
            self._check_credential(quick)
            return quick
        return resolve_credentials(saved=self.saved_credentials())  # the store checks saved values

    def _check_credential(self, credential: ResolvedCredential) -> None:
        problem = credential_problem(credential.kind, credential.value)
        if not problem:
            return
        if credential.origin == "flag":
            raise UsageError(f"--{credential.kind} 的值无效:{problem}", details={"option": f"--{credential.kind}"})
        name = f"JQCLI_{credential.kind.upper()}"
        where = f".env 文件 {self.env_file} 中的 {name}" if name not in self.real_environ else f"环境变量 {name}"
        raise UsageError(f"{where} 的值无效:{problem}", details={"variable": name})

    @property
    def api_base(self) -> str:
        """``--api-base`` > ``JQCLI_API_BASE`` > config ``api_base`` > the real site."""
        if self.sandbox:
            return SANDBOX_API_BASE
        flag = self.flags.api_base
        if flag:
            return normalize_api_base(flag)
        env = self.env_value("JQCLI_API_BASE")  # real environment only (see DOTENV_IGNORED)
        if env:
            return normalize_api_base(env, source="环境变量 JQCLI_API_BASE")
        try:
            saved, stored = self.saved_api_base, self.config_snapshot().get("api_base")
        except FileError:
            saved, stored = "", None  # a damaged config is reported by whatever reads its credentials
        if stored is not None and not isinstance(stored, str):  # a hand-edited 5 or [...]: never ignored
            raise FileError(
                f"配置文件中的 api_base 类型无效(应为字符串): {self.config_path}",
                details={"path": self.config_path, "key": "api_base"},
                hint="修正该文件中的 api_base,或运行 jqcli auth logout 清除它",
            )
        if saved:
            try:
                return str(parse_site(saved))
            except BadSite as exc:
                raise FileError(
                    f"配置文件中的 api_base 无效({exc.reason}): {self.config_path}",
                    details={"path": self.config_path, "key": "api_base", "api_base": saved},
                    hint="修正该文件中的 api_base,或运行 jqcli auth logout 清除它",
                ) from None
        return DEFAULT_API_BASE

    @property
    def api_base_is_explicit(self) -> bool:
        if self.sandbox:
            return False
        return bool(self.flags.api_base or self.env_value("JQCLI_API_BASE"))


PAGE_WORKERS_DEFAULT = 4


def _page_workers(text: str) -> int:
    """``JQCLI_PAGE_WORKERS``: list pages read at a time (1–8; 1 = one request at a time)."""
    text = text.strip()
    if not text:
        return PAGE_WORKERS_DEFAULT
    if not text.isdigit() or not 1 <= int(text) <= 8:
        raise UsageError(f"JQCLI_PAGE_WORKERS 必须是 1 到 8 的整数,而不是 {text!r}", hint="1 表示逐页顺序读取")
    return int(text)


def normalize_api_base(url: str, *, source: str = "--api-base") -> str:
    """The canonical ``http(s)://host[:port][/prefix]`` (``jqcli.domain.sites``); a usage error naming ``source``."""
    try:
        return str(parse_site(url))
    except BadSite as exc:
        shown = _hide_userinfo(url)
        raise UsageError(
            f"{source} 无效:{exc.reason}(应为 http(s)://主机[:端口] 形式的地址,收到 {shown!r})",
            details={"api_base": shown, "source": source},
        ) from None


def _hide_userinfo(url: str) -> str:
    """``url`` with any ``user:password@`` part masked (it may hold a password)."""
    scheme, sep, rest = url.partition("://")
    authority = rest.split("/", 1)[0]
    if not sep or "@" not in authority:
        return url
    return f"{scheme}://<redacted>@{rest[len(authority.rsplit('@', 1)[0]) + 1 :]}"


def _flag_secret(given: Optional[str], option: str, read_stdin: Optional[Callable[[str], str]]) -> str:
    """``--cookie``/``--token``; ``-`` reads the value from stdin (so it is not in the process list)."""
    value = given or ""
    if value != "-" or read_stdin is None:
        return value
    value = read_stdin(option).strip()
    if not value:
        raise UsageError(f"{option} - 没有从 stdin 读到值")
    return value


def _abs(path: str | None, cwd: str) -> str | None:
    if not path:
        return None
    path = os.path.expanduser(path)
    return path if os.path.isabs(path) else os.path.join(cwd, path)


def _load_dotenv(
    files: SettingsFiles, flag: Optional[str], environ: Dict[str, str], cwd: str
) -> Tuple[str, Dict[str, str], List[int]]:
    explicit = bool(flag)
    path = _abs(flag, cwd) if flag else os.path.join(cwd, ".env")
    assert path is not None
    data = files.read_env_file(path)  # no device, FIFO or folder
    if data is None:
        if explicit:
            raise FileError(f"找不到 env 文件: {path}", details={"path": path})
        return "", {}, []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(f"无法读取 env 文件(不是 UTF-8): {path}", details={"path": path, "reason": str(exc)}) from exc
    values, bad_lines = files.parse_dotenv(text, environ)
    return path, values, bad_lines
