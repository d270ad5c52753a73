"""Running an MCP tool call through the CLI's own dispatch (no SDK here).

A call is validated against its ``ToolSpec``, turned into
``<global options> --non-interactive --format json <command> …``, and run
with ``entrypoints.cli.run`` on in-memory streams: the result is the JSON the
CLI prints, and a failure is the CLI's error JSON (code, message, details,
hint), never a traceback.  Calls run one at a time (``cli.run`` briefly swaps
``sys.stdout`` while parsing, and the rotated cookie is written back per call),
so a later call always sees the session an earlier one saved.
"""

from __future__ import annotations

import io
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, TextIO, Tuple, cast

from jqcli.entrypoints.mcp_tools import LOCAL, TOOLS_BY_NAME, Param, ToolSpec

JSON_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list,)}
MCP_LOGIN_HINT = (
    "在终端运行 jqcli auth login(或 auth import-cookie)重新登录;MCP 服务器每次调用都重新读取凭据,登录后无需重启"
)


@dataclass
class ToolOutcome:
    """What a tool call answered: the CLI's JSON (``ok``) or an error payload ``{"error": {...}}``."""

    ok: bool
    payload: Dict[str, Any]
    notes: List[str] = field(default_factory=list)  # warnings the CLI printed on stderr


class _Stdin(io.StringIO):
    def isatty(self) -> bool:
        return False


def tool_error(code: str, message: str, details: Optional[Dict[str, Any]] = None, hint: str = "") -> ToolOutcome:
    details = dict(details or {})
    hint = hint or str(details.get("hint", ""))
    return ToolOutcome(False, {"error": {"code": code, "message": message, "details": details, "hint": hint}})


def validate(spec: ToolSpec, arguments: Mapping[str, Any]) -> Optional[ToolOutcome]:
    """A usage_error outcome for arguments the schema refuses; ``None`` when they are fine."""
    params = {p.name: p for p in spec.all_params()}
    unknown = sorted(set(arguments) - set(params))
    if unknown:
        return tool_error("usage_error", f"未知参数: {', '.join(unknown)}", {"allowed": sorted(params)})
    for param in params.values():
        if param.name not in arguments or arguments[param.name] is None:
            if param.required and param.name != "confirm":
                return tool_error("usage_error", f"缺少必需参数: {param.name}", {"parameter": param.name})
            continue
        problem = _check(param, arguments[param.name])
        if problem:
            return tool_error("usage_error", f"参数 {param.name} 的值无效: {problem}", {"parameter": param.name})
    if spec.code and arguments.get("code") is not None and arguments.get("file") is not None:
        return tool_error("usage_error", "code 与 file 只能给一个", {"parameters": ["code", "file"]})
    return None


def _check(param: Param, value: Any) -> str:
    types = JSON_TYPES[param.type]
    if not isinstance(value, types) or (param.type != "boolean" and isinstance(value, bool)):
        return f"应为 {param.type},实际为 {type(value).__name__}"
    value = cast(Any, value)  # a JSON value of the declared type (isinstance narrowed it to object)
    if param.type == "array" and (not value or not all(isinstance(item, str) for item in value)):
        return "应为非空的字符串数组"
    if param.enum and value not in param.enum:
        return f"{value!r} 不在 {list(param.enum)} 中"
    if param.minimum is not None and value < param.minimum:
        return f"{value!r} 小于 {param.minimum:g}"
    if param.type == "number" and value != value:  # NaN
        return "不能是 NaN"
    if param.regex:
        try:
            re.compile(str(value))
        except re.error as exc:
            return f"不是有效的正则表达式: {exc}"
    return ""


def build_argv(spec: ToolSpec, arguments: Mapping[str, Any]) -> Tuple[List[str], str]:
    """The command's argv (after the global options) and the text to feed on stdin."""
    argv, stdin = list(spec.command), ""
    positionals: List[str] = []
    for param in spec.all_params():
        value = arguments.get(param.name)
        if value is None or param.option == LOCAL:
            continue
        if param.option == "":
            positionals.extend([str(item) for item in value] if param.type == "array" else [str(value)])
        elif param.type == "array":
            argv.extend([param.option, *(str(item) for item in value)])
        elif param.name == "code":
            argv.append("--code-stdin")
            stdin = str(value)
        elif param.type == "boolean":
            if value:
                argv.append(param.option)
        else:
            argv.append(f"{param.option}={_text(value)}")  # `=` keeps a value like "-x" a value
    argv.extend(spec.fixed)
    if spec.confirm and spec.sends_yes:
        argv.append("--yes")
    return argv + (["--", *positionals] if positionals else []), stdin


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class ToolRunner:
    """Runs tool calls in this process, with the global options ``jqcli mcp serve`` was given."""

    def __init__(
        self,
        global_argv: List[str],
        *,
        environ: Dict[str, str],
        cwd: str,
        debug_stream: Optional[TextIO] = None,
    ) -> None:
        self.global_argv = list(global_argv)
        self.environ = dict(environ)
        self.cwd = cwd
        self.debug_stream = debug_stream
        self._lock = threading.Lock()

    def call(self, name: str, arguments: Optional[Mapping[str, Any]]) -> ToolOutcome:
        spec = TOOLS_BY_NAME.get(name)
        if spec is None:
            return tool_error("usage_error", f"没有这个工具: {name}", {"tools": sorted(TOOLS_BY_NAME)})
        args = dict(arguments or {})
        refused = validate(spec, args)
        if refused is not None:
            return refused
        if spec.confirm and args.get("confirm") is not True:
            return tool_error(
                "confirmation_required",
                f"{spec.name} 会删除、覆盖源码或消耗积分,需要用户明确同意",
                {"tool": spec.name},
                hint="向用户说明后果并得到同意后,再以 confirm: true 调用",
            )
        command, stdin = build_argv(spec, args)
        code, out, err = self.run(command, stdin)
        return interpret(spec, args, code, out, err)

    def run(self, command: List[str], stdin: str = "") -> Tuple[int, str, str]:
        """One CLI invocation on in-memory streams: (exit status, stdout, stderr)."""
        from jqcli.entrypoints.cli import run
        from jqcli.entrypoints.context import Stdio

        argv = [*self.global_argv, "--non-interactive", "--format", "json", *command]
        out, err = io.StringIO(), io.StringIO()
        with self._lock:
            code = run(argv, Stdio(_Stdin(stdin), out, err), environ=dict(self.environ), cwd=self.cwd)
        if self.debug_stream is not None and err.getvalue():
            self.debug_stream.write(err.getvalue())
            self.debug_stream.flush()
        return code, out.getvalue(), err.getvalue()


def interpret(spec: ToolSpec, arguments: Mapping[str, Any], code: int, out: str, err: str) -> ToolOutcome:
    """The CLI's answer as a tool outcome: its JSON, or its error JSON with the hint lifted out."""
    if code in spec.ok_exits:
        try:
            data = json.loads(out)
        except ValueError:
            return tool_error("internal_error", "CLI 的输出不是 JSON", {"exit_status": code, "stdout": out[-2000:]})
        if not isinstance(data, dict):
            data = {"result": data}
        if spec.shape is not None:
            data = spec.shape(data, dict(arguments))
        return ToolOutcome(True, data, notes=[line for line in err.splitlines() if line.strip()])
    error = _error_json(err)
    if error is None:
        return tool_error("internal_error", f"CLI 以状态 {code} 退出且没有错误 JSON", {"stderr": err[-2000:]})
    raw_details = error.get("details")
    details: Dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
    err_code = str(error.get("code", "internal_error"))
    hint = str(details.get("hint", ""))
    if err_code == "not_authenticated":
        hint = f"{hint};{MCP_LOGIN_HINT}" if hint else MCP_LOGIN_HINT
    outcome = tool_error(err_code, str(error.get("message", "")), details, hint)
    outcome.payload["error"]["exit_status"] = code
    return outcome


def _error_json(err: str) -> Optional[Dict[str, Any]]:
    start = err.rfind('{\n  "error"')
    if start < 0:
        start = err.rfind('{"error"')
    if start < 0:
        return None
    try:
        error = json.loads(err[start:])["error"]
    except (ValueError, KeyError, TypeError):
        return None
    return error if isinstance(error, dict) else None
