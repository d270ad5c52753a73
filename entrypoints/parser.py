"""The argparse command line.

Usage errors never exit 2 through argparse: ``JqArgumentParser.error`` raises
``UsageError`` (exit 3) so that they come out in the spec's error shape.  Only
the command group named on the command line is populated, so ``--help`` and
``auth status`` do not pay for building (or importing) every other group.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from typing import TYPE_CHECKING, Any, Iterable, List, NoReturn, Optional, cast

from jqcli.domain.errors import UsageError
from jqcli.entrypoints.argtypes import timeout_seconds
from jqcli.entrypoints.commands import GROUPS
from jqcli.entrypoints.fields_option import fields_argument

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]  # what add_subcommands returns

PROG = "jqcli"
DEFAULT_TIMEOUT = 30.0

# Global options that take a value: needed to find the command group in argv cheaply.
_VALUE_OPTIONS = frozenset(
    {"--config", "--env-file", "--api-base", "--token", "--cookie", "--format", "--timeout", "--fields"}
)

# argparse's English messages (patterns compiled on first use: only a usage error needs them)
_TRANSLATIONS = (
    (r"^the following arguments are required: (.+)$", "缺少必需参数: {0}"),
    (
        r"^argument (.+?): invalid choice: (.+?) \(choose from (.+)\)$",
        "参数 {0} 的取值无效: {1}(可选: {2})",
    ),
    (r"^argument (.+?): invalid .+? value: (.+)$", "参数 {0} 的值无效: {1}"),
    (r"^argument (.+?): not allowed with argument (.+)$", "参数 {0} 不能与 {1} 同时使用"),
    (r"^argument (.+?): expected one argument$", "参数 {0} 需要一个值"),
    (r"^argument (.+?): ignored explicit argument (.+)$", "参数 {0} 不接受取值: {1}"),
    (r"^unrecognized arguments: (.+)$", "无法识别的参数: {0}"),
    (r"^argument (.+?): (.+)$", "参数 {0}: {1}"),
)


def translate_argparse_message(message: str) -> str:
    """Turn argparse's English message into the Chinese one users see."""
    for pattern, template in _TRANSLATIONS:
        match = re.match(pattern, message)
        if match:
            return template.format(*match.groups())
    return f"参数错误: {message}"


_USAGE_PART = r"\(.*?\)+(?=\s|$)|\[.*?\]+(?=\s|$)|\S+"  # argparse's own split, before 3.13


class JqHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(
        self,
        usage: Optional[str],
        actions: Iterable[argparse.Action],
        groups: Iterable[Any],
        prefix: Optional[str] = None,
    ) -> None:
        super().add_usage(usage, actions, groups, prefix if prefix is not None else "用法: ")

    if sys.version_info >= (3, 13) and hasattr(argparse.HelpFormatter, "_get_actions_usage_parts"):
        # 3.13 wraps a mutually exclusive group's options separately ("[--resume |" / "--no-resume]"):
        # keep each bracketed group one part, as 3.9-3.12 do, so that the usage text is the same everywhere
        def _get_actions_usage_parts(self, actions: Iterable[argparse.Action], groups: Iterable[Any]) -> List[str]:
            parts = super()._get_actions_usage_parts(actions, groups)  # type: ignore[misc]
            return list(re.findall(_USAGE_PART, " ".join(parts)))


class JqArgumentParser(argparse.ArgumentParser):
    """ArgumentParser whose errors are ``UsageError`` and whose headings are Chinese."""

    wanted_subcommand: Optional[str] = None  # set by build_parser: the only sub-command to build (add_subcommands)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", JqHelpFormatter)
        kwargs.setdefault("add_help", False)
        kwargs.setdefault("allow_abbrev", False)  # `--sta` must not mean `--start` (sub-parsers inherit the class)
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示帮助并退出")

    def _get_values(self, action: argparse.Action, arg_strings: List[str]) -> Any:
        # ``--name=--``: argparse (before 3.13) drops the "--" and hands the handler an empty list
        if action.option_strings and action.nargs is None and arg_strings == ["--"]:
            value = self._get_value(action, "--")
            self._check_value(action, value)
            return value
        return super()._get_values(action, arg_strings)

    def error(self, message: str) -> NoReturn:
        hint = ""
        details: dict[str, object] = {"usage": self.format_usage().strip(), "argparse": message}
        if message.startswith("unrecognized arguments"):
            hint = "全局选项(--format、--quiet 等)可以写在命令前或命令后;用 --help 查看本命令的选项"
        commands = self._command_summary()
        if commands and message.startswith("the following arguments are required") and "<命令>" in message:
            details["commands"] = commands
            raise UsageError("缺少命令", details=details, hint=f"{self.prog} <命令> --help 查看命令的用法")
        raise UsageError(translate_argparse_message(message), details=details, hint=hint)

    def _command_summary(self) -> dict[str, str]:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return {choice.dest: choice.help or "" for choice in action._choices_actions}
        return {}


class _Skipped:
    """Stands in for the parser of a sub-command this command line does not name.

    Every call a ``register`` function makes on it (``add_argument``, ``set_defaults``, groups, nested
    sub-commands) is accepted and does nothing, so building the parser of ``backtest ls`` does not
    build the twenty other ``backtest`` parsers.  Its name and help stay listed in the group's help
    and in "invalid choice" errors.  It can never parse: the command line did not name it.
    """

    def __init__(self, **_kwargs: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        if name.startswith("parse"):
            raise AttributeError(f"_Skipped parser cannot {name}")  # a selection bug must be loud
        return self._accept

    def _accept(self, *_args: Any, **_kwargs: Any) -> _Skipped:
        return self


class _DeferringSubParsers(argparse._SubParsersAction):  # type: ignore[type-arg]  # generic in typeshed only
    """Sub-commands where only ``wanted`` gets a real parser (``None``: every one does)."""

    wanted: Optional[str] = None

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if self.wanted is None or name == self.wanted:
            return super().add_parser(name, **kwargs)
        real_class = self._parser_class
        self._parser_class = _Skipped
        try:
            return super().add_parser(name, **kwargs)
        finally:
            self._parser_class = real_class


def builds_any(sub: SubParsers, names: Iterable[str]) -> bool:
    """Whether one of ``names`` gets a real parser in ``sub`` (a module that registers only those
    sub-commands need not even be imported otherwise)."""
    wanted = cast(_DeferringSubParsers, sub).wanted
    return wanted is None or wanted in names


def add_subcommands(parser: argparse.ArgumentParser, *, dest: str, title: str = "命令") -> SubParsers:
    """A required sub-command slot (argparse ≥3.9 semantics, Chinese title).

    When ``build_parser`` knows which sub-command the command line names (``parser.wanted_subcommand``),
    the others get no parser of their own (``_Skipped``).
    """
    sub = parser.add_subparsers(title=title, dest=dest, metavar="<命令>", action=_DeferringSubParsers)
    cast(_DeferringSubParsers, sub).wanted = getattr(parser, "wanted_subcommand", None)
    sub.required = True
    return sub


def complete_path(action: argparse.Action) -> argparse.Action:
    """Let shtab complete file paths for this option (``jqcli completion bash|zsh``)."""
    setattr(action, "complete", {"bash": "_shtab_compgen_files", "zsh": "_files"})  # noqa: B010 - shtab reads it
    return action


def _add_global_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("全局选项")
    complete_path(group.add_argument("--config", metavar="PATH", help="配置文件路径(默认 ~/.config/jqcli/config.json)"))
    complete_path(group.add_argument("--env-file", metavar="PATH", help="读取的 .env 文件(默认当前目录的 .env)"))
    group.add_argument("--api-base", metavar="URL", help="聚宽站点地址(默认 https://www.joinquant.com)")
    creds = group.add_mutually_exclusive_group()
    creds.add_argument(
        "--token", dest="flag_token", metavar="TOKEN", help="本次使用的 token(优先于环境变量和配置);传 - 从 stdin 读取"
    )
    creds.add_argument(
        "--cookie",
        dest="flag_cookie",
        metavar="COOKIE",
        help="本次使用的 cookie(优先于环境变量和配置);传 - 从 stdin 读取,不出现在进程列表中",
    )
    group.add_argument(
        "--format", choices=("table", "json"), default="table", help="输出格式(默认 table;环境变量 JQCLI_FORMAT 改默认)"
    )
    group.add_argument(
        "--fields",
        type=fields_argument,
        metavar="FIELDS",
        help="只输出 JSON 中的这些字段:逗号分隔,嵌套用点号(如 id,status,metrics.sharpe);列表逐项选取",
    )
    group.add_argument("--non-interactive", action="store_true", help="从不提示输入;需要确认时直接失败")
    group.add_argument("-q", "--quiet", action="store_true", help="不输出进度和提示信息")
    group.add_argument("--debug", action="store_true", help="在 stderr 记录每个请求(已脱敏),出错时打印 traceback")
    group.add_argument(
        "--timeout",
        type=timeout_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"每个请求的总时限秒数(0 < t ≤ 3600,默认 {DEFAULT_TIMEOUT:g})",
    )
    group.add_argument(
        "--allow-custom-api-base",
        action="store_true",
        help="允许把凭据发送到非 joinquant.com / 非本机的 --api-base",
    )
    group.add_argument(
        "--sandbox",
        action="store_true",
        help="在进程内的本地沙盒(模拟聚宽站点)上运行,已登录演示账号,不触碰真实凭据(或 JQCLI_SANDBOX=1)",
    )
    group.add_argument("--version", action="version", version=f"%(prog)s {_version()}", help="显示版本并退出")


def _version() -> str:
    from jqcli.entrypoints import __version__

    return __version__


def selected_group(argv: list[str]) -> str | None:
    """The command group named in ``argv`` (first token that is not a global option)."""
    position = command_position(argv)
    return None if position is None else argv[position]


def command_position(argv: list[str]) -> int | None:
    """The index of the first token that is not a global option or its value (``None``: there is none)."""
    skip = False
    for index, token in enumerate(argv):
        if skip:
            skip = False
            continue
        if token == "--":
            return None
        if token.startswith("-"):
            skip = token in _VALUE_OPTIONS
            continue
        return index
    return None


def _takes_value(action: argparse.Action) -> bool:
    return action.nargs != 0


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found = action.choices.get(name)
            return found if isinstance(found, argparse.ArgumentParser) else None
    return None


def hoist_global_options(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """Move global options written after the command (``jqcli strategy ls --format json``) to the front.

    An option the command itself defines keeps its meaning there (``auth import-token --token X``);
    values of the command's own options are never taken for options; ``--`` ends the scan.
    """
    global_actions = {
        option: action for option, action in parser._option_string_actions.items() if option not in ("-h", "--help")
    }
    group = selected_group(argv)
    if group is None:
        return list(argv)
    start = argv.index(group)
    current = _subparser(parser, group)
    if current is None:
        return list(argv)
    head, tail = list(argv[:start]), [group]
    index = start + 1
    while index < len(argv):
        token = argv[index]
        index += 1
        if token == "--":
            tail.extend(argv[index - 1 :])
            break
        if not token.startswith("-") or token == "-":
            nested = _subparser(current, token)
            current = nested if nested is not None else current
            tail.append(token)
            continue
        name, has_value = token.split("=", 1)[0], "=" in token
        own = current._option_string_actions.get(name)
        if own is not None:
            tail.append(token)
            if _takes_value(own) and not has_value and index < len(argv):
                tail.append(argv[index])
                index += 1
            continue
        action = global_actions.get(name)
        if action is None:
            tail.append(token)
            continue
        head.append(token)
        if _takes_value(action) and not has_value and index < len(argv):
            head.append(argv[index])
            index += 1
    return head + tail


def group_summary() -> dict[str, str]:
    """Command group → one-line help (the summary printed when no command is given)."""
    return {name: help_text for name, help_text, _module in GROUPS}


def build_parser(argv: list[str] | None = None, *, full: bool = False) -> JqArgumentParser:
    """The parser; with ``full`` every group is populated (man page, completion)."""
    parser = JqArgumentParser(
        prog=PROG,
        description="聚宽(JoinQuant)策略、回测与社区命令行工具。\n"
        "自动化调用请使用: jqcli --non-interactive --format json <命令>",
        epilog="示例:\n  jqcli --format json auth status\n  jqcli <命令> --help",
    )
    _add_global_options(parser)
    words = [] if full or argv is None else argv
    position = command_position(words)
    wanted = None if position is None else words[position]
    parser.wanted_subcommand = wanted  # the other groups are listed, not built
    groups = add_subcommands(parser, dest="group")
    for name, help_text, module_name in GROUPS:
        group_parser = groups.add_parser(name, help=help_text, description=help_text)
        if full or name == wanted:
            if position is not None:  # only the named sub-command's parser is built (add_subcommands)
                cast(JqArgumentParser, group_parser).wanted_subcommand = selected_group(words[position + 1 :])
            importlib.import_module(module_name).register(group_parser)
    return parser
