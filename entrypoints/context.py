"""The per-invocation context handed to command handlers.

It carries the parsed arguments, injectable standard streams (tests pass
StringIO objects), lazily built settings, and lazily built services from the
composition root (``bootstrap``), so that fast commands never import them.
``cli.run(..., services=...)`` hands in another ``Services`` (CLI tests on fakes).
"""

from __future__ import annotations

import argparse
from typing import IO, TYPE_CHECKING, Any, Dict, Mapping, Optional, TextIO, Union

from jqcli.domain.errors import ConfirmationRequired, FileError
from jqcli.entrypoints.render import Result, dump_json, terminal_safe

# What a command handler returns: JSON data, data with its table view, or None (it wrote its own output).
Reply = Union[Result, Mapping[str, Any], None]

if TYPE_CHECKING:
    from typing import Protocol

    from jqcli.entrypoints.bootstrap import Services
    from jqcli.entrypoints.settings import Settings

    class ServicesFactory(Protocol):
        """How ``Services`` are made from the command's settings (the ``Services`` class itself is one)."""

        def __call__(self, settings: Settings, *, stderr: Optional[TextIO] = ...) -> Services: ...

    ServicesSource = Union[Services, ServicesFactory]


def write_stream(stream: TextIO, text: str) -> None:
    """Write and flush; a full disk or an I/O error on the output is a file_error (exit 6), not a crash.

    A reader that went away (``| head``) stays a ``BrokenPipeError`` for the caller to handle.
    """
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise FileError(f"无法写出输出: {exc.strerror or exc}", details={"errno": exc.errno}) from None


class Stdio:
    """stdin/stdout/stderr, replaceable in tests."""

    __slots__ = ("stdin", "stdout", "stderr")

    def __init__(self, stdin: Optional[TextIO], stdout: TextIO, stderr: TextIO) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr

    @staticmethod
    def _isatty(stream: Optional[IO[Any]]) -> bool:
        if stream is None:
            return False
        try:
            return bool(stream.isatty())
        except (AttributeError, ValueError):
            return False

    @property
    def stdin_is_tty(self) -> bool:
        return self._isatty(self.stdin)

    @property
    def stderr_is_tty(self) -> bool:
        return self._isatty(self.stderr)


class Context:
    """One command's arguments, streams, environment, settings and services."""

    def __init__(
        self,
        args: argparse.Namespace,
        stdio: Stdio,
        environ: Dict[str, str],
        cwd: str,
        *,
        services: Optional[ServicesSource] = None,
    ) -> None:
        # argparse's Namespace is dynamic: each handler reads the attributes its own parser defined
        self.args: Any = args
        self.stdio = stdio
        self.environ = environ
        self.cwd = cwd
        self._settings: Optional[Settings] = None
        self._services_source = services
        self._services: Optional[Services] = None
        self._stdin_reader = ""  # what already consumed stdin (one input per command)
        self._fields_checked = False  # --fields checked against the first NDJSON item

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from jqcli.entrypoints.bootstrap import build_settings
            from jqcli.entrypoints.settings import Flags

            self._settings = build_settings(
                Flags.from_args(self.args), self.environ, self.cwd, read_stdin=self.read_stdin_text
            )
            if self._settings.dotenv_bad_lines and not self._settings.quiet:
                lines = ", ".join(str(n) for n in self._settings.dotenv_bad_lines)
                self.warn(f"{self._settings.env_file} 第 {lines} 行无法解析,已忽略")
            if self._settings.dotenv_ignored:
                names = "、".join(self._settings.dotenv_ignored)
                self.warn(
                    f"已忽略 {self._settings.env_file} 中的 {names}:决定凭据发往何处的设置只从命令行参数、"
                    "真实环境变量或配置文件读取,从不从 .env 读取"
                )
        return self._settings

    @property
    def services(self) -> Services:
        if self._services is None:
            from jqcli.entrypoints.bootstrap import Services

            source = self._services_source
            if source is None:
                self._services = Services(self.settings, stderr=self.stdio.stderr)
            elif isinstance(source, Services):
                self._services = source
            else:
                self._services = source(self.settings, stderr=self.stdio.stderr)
        return self._services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()

    @property
    def format(self) -> str:
        return str(getattr(self.args, "format", "table"))

    @property
    def interactive(self) -> bool:
        return not getattr(self.args, "non_interactive", False) and self.stdio.stdin_is_tty

    # -- talking to the user -------------------------------------------------------------------
    def warn(self, text: str) -> None:
        if not getattr(self.args, "quiet", False):
            self.stdio.stderr.write(f"警告: {terminal_safe(text)}\n")
            self.stdio.stderr.flush()

    @property
    def shows_progress(self) -> bool:
        """Progress lines are shown: stderr is a terminal and ``--quiet`` was not given."""
        return not getattr(self.args, "quiet", False) and self.stdio.stderr_is_tty

    def progress(self, text: str) -> None:
        """Progress goes to stderr, only on a TTY, and never with ``--quiet``."""
        if not getattr(self.args, "quiet", False) and self.stdio.stderr_is_tty:
            self.stdio.stderr.write(f"\r\033[K{terminal_safe(text)}")
            self.stdio.stderr.flush()

    def end_progress(self) -> None:
        if not getattr(self.args, "quiet", False) and self.stdio.stderr_is_tty:
            self.stdio.stderr.write("\r\033[K")
            self.stdio.stderr.flush()

    def emit_ndjson(self, obj: object) -> None:
        """One NDJSON line on stdout, flushed at once."""
        fields = getattr(self.args, "fields", None)
        if fields:  # --fields applies to each event's item, checked against the first one
            from jqcli.entrypoints.fields import select_item_event

            obj = select_item_event(obj, fields, strict=not self._fields_checked)
            self._fields_checked = self._fields_checked or (isinstance(obj, dict) and "item" in obj)
        write_stream(self.stdio.stdout, dump_json(obj, compact=True) + "\n")

    def confirm(self, question: str, *, yes: bool, details: Optional[Dict[str, Any]] = None) -> None:
        """Go on if ``--yes`` was given or the user agrees; otherwise raise ConfirmationRequired."""
        if yes:
            return
        if not self.interactive:
            raise ConfirmationRequired(
                f"{question}:非交互模式下需要传 --yes 确认",
                details=dict(details or {}),
                hint="加上 --yes(或 -y)",
            )
        self.stdio.stderr.write(f"{terminal_safe(question)} [y/N] ")
        self.stdio.stderr.flush()
        stdin = self.stdio.stdin  # interactive: a terminal, so never None here
        answer = stdin.readline().strip().lower() if stdin is not None else ""
        if answer not in ("y", "yes", "是"):
            raise ConfirmationRequired("已取消:未确认", details=dict(details or {}))

    def read_stdin_text(self, purpose: str = "") -> str:
        """All of stdin as UTF-8 text, once per command (a second reader is a usage error)."""
        from jqcli.domain.errors import UsageError

        purpose = purpose or "输入"
        if self._stdin_reader:
            raise UsageError(f"stdin 已用于 {self._stdin_reader},不能再用于 {purpose}")
        self._stdin_reader = purpose
        stream = self.stdio.stdin
        if stream is None:
            raise UsageError(f"{purpose} 需要从 stdin 读取,但本进程没有 stdin")
        buffer = getattr(stream, "buffer", None)
        try:
            data = buffer.read() if buffer is not None else stream.read()
        except OSError as exc:
            raise UsageError(f"{purpose} 无法从 stdin 读取: {exc.strerror or exc}") from None
        if isinstance(data, str):
            return data
        try:
            return str(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"{purpose} 从 stdin 读到的内容不是有效的 UTF-8 文本(第 {exc.start} 字节)",
                details={"reason": exc.reason},
            ) from None
