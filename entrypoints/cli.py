"""Program entry: parse, run the handler, render, map failures to exit codes.

Error handling lives here and only here: handlers raise ``JqcliError``
subclasses; this module prints them in the spec's shape on stderr and picks
the exit status from ``exit_codes``.  A traceback is printed only with
``--debug``.
"""

from __future__ import annotations

import importlib
import os
import sys
from contextlib import redirect_stdout
from typing import TYPE_CHECKING, Any, Dict, Optional, TextIO

from jqcli.domain.errors import InternalError, Interrupted, JqcliError
from jqcli.entrypoints.context import Context, Stdio
from jqcli.entrypoints.exit_codes import EXIT_OK, exit_code_for
from jqcli.entrypoints.render import Result, render_error, render_result, terminal_width

if TYPE_CHECKING:
    from jqcli.entrypoints.context import ServicesSource


class Terminated(KeyboardInterrupt):
    """SIGTERM/SIGHUP, raised in the main thread so that every Ctrl-C path (resume ids, saved progress) runs."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


_STOP_SIGNALS = ("SIGTERM", "SIGHUP")


def install_stop_signal_handlers() -> None:
    """Treat SIGTERM and SIGHUP like Ctrl-C: a ``KeyboardInterrupt`` (``Terminated``) in the main thread.

    Only the signals that exist on the platform (Windows has no SIGHUP), and only from the main thread.
    A signal the parent set to be ignored (``nohup`` ignores SIGHUP) stays ignored.
    """
    signals = _signal_module()
    for name in _STOP_SIGNALS:
        signum = getattr(signals, name, None)
        if signum is None:
            continue
        if signals.getsignal(signum) == signals.SIG_IGN:
            continue
        signals.signal(signum, _raise_terminated)


def _signal_module() -> Any:
    """``_signal``, the C module that ``signal`` wraps: the same functions and numbers, without building
    ``signal``'s enum classes (about half a millisecond) on every command; ``signal`` where it is missing."""
    try:
        return importlib.import_module("_signal")
    except ImportError:  # an interpreter without the C module
        import signal

        return signal


def _raise_terminated(signum: int, _frame: object) -> None:
    import signal

    raise Terminated(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:  # started with fd 1 or 2 closed (`>&-`): output is lost, the exit status is not
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the process
    _prefer_utf8_streams()
    install_stop_signal_handlers()
    return run(
        list(sys.argv[1:] if argv is None else argv),
        Stdio(sys.stdin, sys.stdout, sys.stderr),
        environ=dict(os.environ),
        cwd=os.getcwd(),
    )


def run(
    argv: list[str],
    stdio: Stdio,
    *,
    environ: dict[str, str],
    cwd: str,
    services: Optional[ServicesSource] = None,
) -> int:
    """Run one command line with injectable streams and environment; returns the exit status.

    ``services`` replaces the composition root's default ``Services``: an instance, or a factory
    called as ``factory(settings, stderr=...)`` (a ``Services`` subclass is one).  CLI tests pass
    a subclass whose gateways are fakes, so that a command runs end to end without HTTP.
    """
    fmt = _early_format(argv)
    debug = "--debug" in argv
    ctx: Context | None = None
    try:
        from jqcli.entrypoints.fields_option import env_format, format_given
        from jqcli.entrypoints.parser import build_parser, hoist_global_options

        default_format = env_format(environ)  # JQCLI_FORMAT: the default of --format (a bad value: usage error)
        fmt = default_format if default_format and not format_given(argv) else fmt
        parser = build_parser(argv)
        if default_format:
            parser.set_defaults(format=default_format)
        with redirect_stdout(stdio.stdout):  # --help / --version print to sys.stdout
            args = parser.parse_args(hoist_global_options(parser, argv))
        fmt, debug = args.format, args.debug
        ctx = Context(args, stdio, environ, cwd, services=services)
        result = args.handler(ctx)
        if result is not None:
            view = result if isinstance(result, Result) else Result(result)
            if getattr(args, "fields", None):  # --fields: only the named keys (entrypoints/fields.py)
                from jqcli.entrypoints.fields import fields_table, select

                selected = select(view.data, args.fields)
                view = Result(selected, table=fields_table(selected))
            _write(stdio.stdout, render_result(view, fmt, width=terminal_width(stdio.stdout, environ)))
            return view.exit_status
        return EXIT_OK
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0) if not isinstance(exc.code, str) else 0
    except Interrupted as exc:
        return _fail(stdio, _with_signal(exc, exc.__context__), fmt, debug, environ)
    except JqcliError as exc:
        return _fail(stdio, exc, fmt, debug, environ)
    except KeyboardInterrupt as exc:
        return _fail(stdio, _with_signal(Interrupted(_interrupt_message(exc)), exc), fmt, debug, environ)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the one place where any bug becomes internal_error (70)
        error = InternalError(
            f"内部错误: {type(exc).__name__}: {exc}",
            details={"exception": type(exc).__name__},
            hint="这是 jqcli 的缺陷;加 --debug 查看 traceback 并报告",
        )
        error.__cause__ = exc
        return _fail(stdio, error, fmt, debug, environ)
    finally:
        if ctx is not None:
            ctx.close()


def _interrupt_message(exc: BaseException) -> str:
    if isinstance(exc, Terminated):
        return f"已中断(收到 {exc.signal_name})"
    return "已中断(Ctrl-C)"


def _with_signal(error: Interrupted, cause: BaseException | None) -> Interrupted:
    """Name the signal in ``details.signal`` (SIGINT for Ctrl-C, SIGTERM, SIGHUP)."""
    while cause is not None and not isinstance(cause, KeyboardInterrupt):
        cause = cause.__context__
    name = cause.signal_name if isinstance(cause, Terminated) else "SIGINT"
    error.details.setdefault("signal", name)
    return error


def _fail(stdio: Stdio, exc: JqcliError, fmt: str, debug: bool, environ: dict[str, str]) -> int:
    if debug:
        import traceback

        cause = exc.__cause__ if isinstance(exc, InternalError) and exc.__cause__ else exc
        traceback.print_exception(type(cause), cause, cause.__traceback__, file=stdio.stderr)
    from jqcli.domain.errors import FileError

    try:
        width = terminal_width(stdio.stderr, environ)
        _write(stdio.stderr, render_error(exc.code, exc.message, _jsonable(exc.details), fmt, width=width))
    except (BrokenPipeError, FileError):
        return exit_code_for(exc.code)  # stderr closed by the reader (or full): the status still tells the story
    return exit_code_for(exc.code)


def _jsonable(details: Dict[str, Any]) -> Dict[str, Any]:
    import json

    try:
        json.dumps(details, ensure_ascii=False)
        return details
    except (TypeError, ValueError):
        return {
            key: value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
            for key, value in details.items()
        }


def _write(stream: TextIO, text: str) -> None:
    if text:
        from jqcli.entrypoints.context import write_stream  # a full disk: file_error, not internal_error

        write_stream(stream, text if text.endswith("\n") else text + "\n")


def _early_format(argv: list[str]) -> str:
    """``--format`` as typed, so that even parse errors come out as JSON when asked."""
    for index, token in enumerate(argv):
        if token == "--format" and index + 1 < len(argv):
            return "json" if argv[index + 1] == "json" else "table"
        if token == "--format=json":
            return "json"
    return "table"


def _prefer_utf8_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")


def _silence_stdout() -> None:
    # The reader went away (e.g. `| head`): point stdout at /dev/null so the
    # interpreter's final flush does not raise again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return
    finally:
        os.close(devnull)
