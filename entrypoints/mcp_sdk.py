"""The one module that imports the MCP Python SDK (``mcp`` 2.x, Python ≥ 3.10).

It turns the tool table (``mcp_tools``) into a low-level ``mcp.server.Server``
and serves it over stdio or streamable HTTP on 127.0.0.1.  A change of the
SDK's major version touches this file only.  The low-level server is used
rather than ``MCPServer`` because the tools are data (a table with its own
JSON schemas), not Python functions whose signatures would be introspected.
"""

from __future__ import annotations

import json
import socket
from typing import Any, Callable, List

import anyio
import anyio.to_thread
import mcp.types as types
from mcp.server import Server

from jqcli.entrypoints import __version__
from jqcli.entrypoints.mcp_dispatch import ToolOutcome, ToolRunner
from jqcli.entrypoints.mcp_tools import TOOLS, ToolSpec, input_schema

INSTRUCTIONS = (
    "jqcli 的聚宽(JoinQuant)工具:策略、回测、日志、社区。每个工具返回与 `jqcli --format json` 相同的 JSON。"
    "会删除、覆盖源码或消耗积分的工具需要 confirm: true,调用前先向用户说明并得到同意。"
    "出错时结果 isError 为 true,内容是 {error: {code, message, details, hint}}。"
)


def sdk_version() -> str:
    from importlib.metadata import version

    return version("mcp")


def tool_descriptor(spec: ToolSpec) -> types.Tool:
    hints = spec.hints
    return types.Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=input_schema(spec),
        annotations=types.ToolAnnotations(
            title=spec.title,
            read_only_hint=hints.read_only,
            destructive_hint=hints.destructive,
            idempotent_hint=hints.idempotent,
            open_world_hint=hints.open_world,
        ),
    )


def tool_result(outcome: ToolOutcome) -> types.CallToolResult:
    text = json.dumps(outcome.payload, ensure_ascii=False, indent=2)
    content: List[types.TextContent] = [types.TextContent(text=text)]
    content.extend(types.TextContent(text=note) for note in outcome.notes)
    return types.CallToolResult(content=list(content), structured_content=outcome.payload, is_error=not outcome.ok)


def build_server(runner: ToolRunner) -> Server[Any]:
    tools = [tool_descriptor(spec) for spec in TOOLS]

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        outcome = await anyio.to_thread.run_sync(runner.call, params.name, params.arguments or {})
        return tool_result(outcome)

    return Server(
        "jqcli",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def serve_stdio(runner: ToolRunner) -> None:
    """Serve over this process's stdin/stdout until the host closes stdin."""
    from mcp.server.stdio import stdio_server

    server = build_server(runner)

    async def main() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(main)


def serve_http(runner: ToolRunner, *, port: int, announce: Callable[[str], None]) -> None:
    """Serve streamable HTTP at http://127.0.0.1:PORT/mcp (loopback only; DNS-rebinding protection on)."""
    import uvicorn

    app = build_server(runner).streamable_http_app(host="127.0.0.1")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    announce(f"http://127.0.0.1:{sock.getsockname()[1]}/mcp")
    uvicorn.Server(config).run(sockets=[sock])
