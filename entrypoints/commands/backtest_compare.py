"""``jqcli backtest compare A B [C …]``: settings, every metric's change and the source diff.

JSON: ``runs`` (ids, name, status and settings of each run, the base first), ``settings_differ`` and
``settings_differences`` (with ``warnings``), ``metrics`` (by name: ``direction``, then ``values``,
``change``, ``relative`` and ``better`` aligned with ``runs``, and ``best``), ``source_diffs`` (a
unified diff of each run's code against the base's) and ``summary`` (per other run: how many metrics
are better, worse, the same).  The table shows the same for people.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

SETTING_LABELS = {
    "start_date": "开始日期",
    "end_date": "结束日期",
    "capital": "初始资金",
    "frequency": "频率",
    "mode": "模式",
}
DIRECTION_LABELS = {"higher": "越高越好", "lower": "越低越好", "neutral": "—"}


def register(sub: Any) -> None:
    compare = sub.add_parser(
        "compare",
        help="对比多个回测:设置、全部指标的变化与优劣、源码差异",
        description="对比两个或更多回测(第一个为基准):\n"
        "设置(区间、资金、频率、模式)并排列出,不同时给出警告;\n"
        "每个指标给出绝对变化、相对变化和哪一方更好(按指标方向);\n"
        "并给出各回测源码相对基准的 unified diff。",
    )
    compare.add_argument("backtest_ids", nargs="+", metavar="BACKTEST_ID", help="两个或更多回测 id(第一个为基准)")
    compare.add_argument(
        "--context", type=_context_lines, default=3, metavar="N", help="源码 diff 的上下文行数(默认 3)"
    )
    compare.set_defaults(handler=compare_command)


def _context_lines(text: str) -> int:
    from jqcli.entrypoints.argtypes import non_negative_int

    value = non_negative_int(text)
    if value > 1000:
        import argparse

        raise argparse.ArgumentTypeError(f"应在 0–1000 之间: {text}")
    return value


def _finite(value: Optional[float]) -> Optional[float]:
    return value if value is not None and math.isfinite(value) else None


def comparison_output(comparison: Any) -> Dict[str, Any]:
    from jqcli.application.compare_runs import best_index

    runs = comparison.runs
    ids = [run.id for run in runs]
    differences = [{"key": d.key, "values": list(d.values)} for d in comparison.settings_differences]
    warnings = [
        f"回测设置不同({'、'.join(SETTING_LABELS.get(d['key'], d['key']) for d in differences)}):"
        "指标的差异可能来自设置而不只是策略"
    ] if differences else []  # fmt: skip
    metrics: Dict[str, Any] = {}
    summary = {run_id: {"better": 0, "worse": 0, "same": 0, "unknown": 0} for run_id in ids[1:]}
    for change in comparison.metrics:
        best = best_index(change)
        metrics[change.key] = {
            "direction": change.direction,
            "values": [_finite(v) for v in change.values],
            "change": [_finite(v) for v in change.changes],
            "relative": [_finite(v) for v in change.relative],
            "better": list(change.better),
            "best": ids[best] if best is not None else None,
        }
        if change.direction == "neutral":
            continue
        for run_id, delta, better in zip(ids[1:], change.changes[1:], change.better[1:]):
            kind = "unknown" if delta is None else "same" if delta == 0 else "better" if better else "worse"
            summary[run_id][kind] += 1
    return {
        "base": ids[0],
        "runs": [
            {"id": run.id, "run_id": run.detail.run_id, "name": run.detail.name, "strategy_id": run.detail.strategy_id,
             "status": run.status, **run.settings}
            for run in runs
        ],
        "settings_differ": bool(differences),
        "settings_differences": differences,
        "warnings": warnings,
        "metrics": metrics,
        "summary": summary,
        "source_diffs": [
            {"base": d.base, "other": d.other, "same": not d.diff, "diff": d.diff} for d in comparison.source_diffs
        ],
    }  # fmt: skip


def _num(value: Optional[float]) -> str:
    if value is None:
        return "-"
    return f"{value:.6g}"


def _cell(value: Optional[float], delta: Optional[float], relative: Optional[float], better: Optional[bool]) -> str:
    if value is None:
        return "-"
    text = _num(value)
    if delta is None or delta == 0:
        return text + ("" if delta is None else " (=)")
    rel = f", {relative * 100:+.1f}%" if relative is not None else ""
    mark = "" if better is None else " 更好" if better else " 更差"
    return f"{text} ({delta:+.4g}{rel}){mark}"


def comparison_table(data: Dict[str, Any], width: int) -> Any:
    from jqcli.entrypoints.render import Result, Table, render_table

    runs = data["runs"]
    heads = [f"{'基准 ' if i == 0 else ''}{run['id']}" for i, run in enumerate(runs)]
    differing = {d["key"] for d in data["settings_differences"]}
    setting_rows: List[Dict[str, Any]] = []
    for key, label in SETTING_LABELS.items():
        row: Dict[str, Any] = {"key": label + (" ≠" if key in differing else "")}
        row.update({f"r{i}": run.get(key) if run.get(key) is not None else "-" for i, run in enumerate(runs)})
        setting_rows.append(row)
    setting_rows.append({"key": "名称", **{f"r{i}": run["name"] for i, run in enumerate(runs)}})
    setting_rows.append({"key": "状态", **{f"r{i}": run["status"] for i, run in enumerate(runs)}})
    run_columns = [(f"r{i}", head) for i, head in enumerate(heads)]
    settings = render_table(Table([("key", "设置"), *run_columns], setting_rows), width=width)
    preamble = [settings, *(f"警告: {w}" for w in data["warnings"]), ""]
    rows = []
    for key, m in data["metrics"].items():
        row = {"key": key, "direction": DIRECTION_LABELS.get(m["direction"], m["direction"])}
        for i in range(len(runs)):
            row[f"r{i}"] = _cell(m["values"][i], m["change"][i] if i else None, m["relative"][i], m["better"][i])
        rows.append(row)
    footer: List[str] = []
    for run_id, counts in data["summary"].items():
        footer.append(
            f"{run_id} 相对基准: 更好 {counts['better']} 项, 更差 {counts['worse']} 项, 相同 {counts['same']} 项"
        )
    for diff in data["source_diffs"]:
        if diff["same"]:
            footer.append(f"源码 {diff['base']} → {diff['other']}: 相同")
        else:
            footer.append(f"源码 {diff['base']} → {diff['other']}:")
            footer.append(diff["diff"].rstrip("\n"))
    table = Table([("key", "指标"), ("direction", "方向"), *run_columns], rows, footer="\n".join(footer))
    table.preamble = "\n".join(preamble)
    return Result(data, table=table)


def compare_command(ctx: Any) -> Any:
    from jqcli.entrypoints.render import terminal_width

    comparison = ctx.services.compare_runs().execute(ctx.args.backtest_ids, context=ctx.args.context)
    data = comparison_output(comparison)
    for warning in data["warnings"]:
        ctx.warn(warning)
    return comparison_table(data, terminal_width(ctx.stdio.stdout, ctx.environ))
