"""Verdicts as JSON fields and as text for tables (``backtest verdict``, and every failed run's output).

In JSON a verdict is three keys beside the run's own: ``verdict`` (one of ``domain.verdict.VERDICTS``,
null while the run has not ended), ``errors`` (each ``{phase, exception, message, file, line, func,
sim_time, source_line, frames[]}``) and ``warnings`` (the number of order warnings in the user log).
For people the same is a block of lines shown above the field/value table; nothing is cut off (the
table wraps its lines instead).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from jqcli.application.verdicts import RunVerdict
from jqcli.domain.verdict import Frame, RunError

if TYPE_CHECKING:
    from jqcli.entrypoints.render import Result


def _frame(frame: Frame) -> Dict[str, Any]:
    return {"file": frame.file, "line": frame.line, "func": frame.func, "source_line": frame.source_line}


def error_dict(error: RunError) -> Dict[str, Any]:
    return {
        "phase": error.phase,
        "exception": error.exception,
        "message": error.message,
        "file": error.file,
        "line": error.line,
        "func": error.func,
        "sim_time": error.sim_time,
        "source_line": error.source_line,
        "frames": [_frame(f) for f in error.frames],
    }


def verdict_fields(judged: RunVerdict) -> Dict[str, Any]:
    """The keys a failed run's output gains: ``verdict``, ``errors``, ``warnings``."""
    verdict = judged.verdict
    return {
        "verdict": verdict.verdict if verdict is not None else None,
        "errors": [error_dict(e) for e in verdict.errors] if verdict is not None else [],
        "warnings": verdict.warnings if verdict is not None else 0,
    }


def verdict_output(backtest_id: str, judged: RunVerdict) -> Dict[str, Any]:
    """``backtest verdict``'s JSON."""
    verdict = judged.verdict
    out: Dict[str, Any] = {"id": backtest_id, "run_id": judged.run_id, "status": judged.status}
    out.update(verdict_fields(judged))
    out["warning_lines"] = list(verdict.warning_lines) if verdict is not None else []
    out["file"] = judged.file or None
    out["file_matches_run"] = judged.file_matches_run
    out["log_lines"] = judged.log_lines
    out["log_complete"] = judged.log_complete
    if judged.log_error:
        out["log_error"] = judged.log_error
    out["error_logs"] = list(judged.error_lines)
    return out


def _where(error: RunError) -> str:
    parts: List[str] = []
    if error.file:
        parts.append(f"{error.file} 第 {error.line} 行" if error.line is not None else error.file)
    if error.func:
        parts.append(f"函数 {error.func}")
    parts.append(f"阶段 {error.phase}")
    if error.sim_time:
        parts.append(f"模拟时间 {error.sim_time}")
    return ",".join(parts)


def verdict_text(judged: RunVerdict, *, warning_lines: int = 0) -> str:
    """The verdict for people: the kind, each error with its place and line, the warning count."""
    verdict = judged.verdict
    if verdict is None:
        return f"判定: 回测尚未结束(状态 {judged.status}),暂无判定"
    lines = [f"判定: {verdict.verdict}({verdict.label})  状态 {judged.status}"]
    total = len(verdict.errors)
    for index, error in enumerate(verdict.errors, 1):
        head = error.exception + (f": {error.message}" if error.message else "") if error.exception else "(堆栈不完整)"
        lines.append(f"错误 {index}/{total}: {head}")
        lines.append(f"  位置: {_where(error)}")
        if error.source_line is not None:
            lines.append(f"  代码: {error.source_line.strip()}")
        if len(error.frames) > 1:
            chain = " → ".join(f"{f.func or '?'}({f.line})" for f in error.frames)
            lines.append(f"  调用: {chain}")
    lines.append(f"下单警告: {verdict.warnings} 条")
    for line in verdict.warning_lines[:warning_lines]:
        lines.append(f"  {line}")
    if judged.file_matches_run is False:
        lines.append(f"注意: {judged.file} 与回测所用的源码不同,行号和代码可能对不上")
    if judged.log_error:
        lines.append(f"注意: 用户日志读取失败({judged.log_error}),模拟时间和下单警告可能不全")
    elif not judged.log_complete:
        lines.append(f"注意: 只读取了用户日志的前 {judged.log_lines} 行,下单警告可能不全")
    return "\n".join(lines)


def merge_into_table(result: Result, judged: Optional[RunVerdict]) -> Result:
    """A field/value ``Result`` with the verdict block above it instead of the raw ``errors`` rows."""
    if judged is None or result.table is None:
        return result
    result.table.rows = [row for row in result.table.rows if row.get("key") not in ("errors", "verdict", "warnings")]
    result.table.preamble = verdict_text(judged)
    return result
