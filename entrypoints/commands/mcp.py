"""``jqcli mcp serve``: the commands as MCP tools for agent hosts (issue 15).

The SDK (optional extra ``jqcli[mcp]``, Python ≥ 3.10) is imported only when
the server starts, through ``entrypoints.mcp_sdk``; the global options given
here (``--sandbox``, ``--api-base``, ``--env-file``, ``--timeout`` …) apply to
every tool call.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, List

from jqcli.domain.errors import UsageError
from jqcli.entrypoints.argtypes import port_number
from jqcli.entrypoints.parser import add_subcommands

if TYPE_CHECKING:
    import argparse

    from jqcli.entrypoints.context import Context

MIN_PYTHON = (3, 10)


def register(parser: argparse.ArgumentParser) -> None:
    sub = add_subcommands(parser, dest="command")
    serve = sub.add_parser(
        "serve",
        help="作为 MCP 服务器运行(stdio;或 127.0.0.1 上的 streamable HTTP)",
        description="把 jqcli 的命令作为 MCP 工具提供给 Claude Desktop、IDE 智能体等宿主。\n"
        "每个工具返回与 --format json 相同的 JSON;删除、覆盖源码、消耗积分的工具需要 confirm: true。\n"
        "给 mcp serve 的全局选项(--sandbox、--api-base、--env-file、--timeout 等)作用于每次工具调用。\n"
        "需要可选依赖: pip install 'jqcli[mcp]'(Python 3.10+)。",
    )
    serve.add_argument(
        "--transport",
        choices=("stdio", "streamable-http"),
        default="stdio",
        help="传输方式(默认 stdio;streamable-http 只监听 127.0.0.1)",
    )
    serve.add_argument(
        "--port", type=port_number, default=8765, help="streamable-http 端口(默认 8765;0 = 随机空闲端口)"
    )
    serve.set_defaults(handler=serve_command)


def serve_command(ctx: Context) -> None:
    check_sdk_available(sys.version_info[:2])
    args = ctx.args
    for flag, value in (("--cookie", args.flag_cookie), ("--token", args.flag_token)):
        if value == "-":
            raise UsageError(
                f"mcp serve 不支持 {flag} -:stdin 是 MCP 通道",
                hint=f"改用环境变量 JQCLI_{flag[2:].upper()},或先 jqcli auth import-{flag[2:]} 保存到配置",
            )
    ctx.settings  # noqa: B018 - refuse bad global options (e.g. --sandbox with --api-base) before serving
    from jqcli.entrypoints import mcp_sdk
    from jqcli.entrypoints.mcp_dispatch import ToolRunner

    runner = ToolRunner(
        global_argv(args),
        environ=ctx.environ,
        cwd=ctx.cwd,
        debug_stream=ctx.stdio.stderr if args.debug else None,
    )
    if args.transport == "stdio":
        mcp_sdk.serve_stdio(runner)
        return None

    def announce(url: str) -> None:
        if ctx.format == "json":
            from jqcli.entrypoints.mcp_tools import TOOLS

            ctx.emit_ndjson({"url": url, "transport": "streamable-http", "tools": len(TOOLS)})
        else:
            ctx.stdio.stdout.write(f"MCP 服务器已启动: {url}(只监听 127.0.0.1;Ctrl-C 停止)\n")
            ctx.stdio.stdout.flush()

    try:
        mcp_sdk.serve_http(runner, port=args.port, announce=announce)
    except OSError as exc:
        raise UsageError(f"无法监听 127.0.0.1:{args.port}: {exc}") from None
    return None


def check_sdk_available(version: Any) -> None:
    """The SDK needs Python 3.10+ and the ``mcp`` extra: say which is missing, as a usage error."""
    if tuple(version) < MIN_PYTHON:
        raise UsageError(
            f"jqcli mcp serve 需要 Python 3.10 或更高版本(MCP Python SDK 的要求),当前是 {version[0]}.{version[1]}",
            details={"python": f"{version[0]}.{version[1]}", "required": "3.10"},
            hint="用 Python 3.10+ 创建虚拟环境后安装 pip install 'jqcli[mcp]'",
        )
    import importlib.util

    if importlib.util.find_spec("mcp") is None:
        raise UsageError(
            "jqcli mcp serve 需要 MCP Python SDK,但没有安装",
            details={"missing": "mcp"},
            hint="pip install 'jqcli[mcp]'",
        )


def global_argv(args: argparse.Namespace) -> List[str]:
    """The global options ``mcp serve`` was given, to prefix every tool call with."""
    argv: List[str] = []
    for option, value in (
        ("--config", args.config),
        ("--env-file", args.env_file),
        ("--api-base", args.api_base),
        ("--token", args.flag_token),
        ("--cookie", args.flag_cookie),
    ):
        if value is not None:
            argv.append(f"{option}={value}")
    argv.append(f"--timeout={args.timeout!r}")
    for option, on in (
        ("--sandbox", args.sandbox),
        ("--allow-custom-api-base", args.allow_custom_api_base),
        ("--debug", args.debug),
    ):
        if on:
            argv.append(option)
    return argv
