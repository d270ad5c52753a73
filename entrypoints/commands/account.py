"""``jqcli account quota``: running runs, the concurrency cap, today's minutes, the tier (protocol.md §9.3).

Argparse and a thin handler only; nothing heavy is imported at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict

from jqcli.entrypoints.parser import add_subcommands

if TYPE_CHECKING:
    import argparse

    from jqcli.application.quota import QuotaView
    from jqcli.entrypoints.context import Context, Reply


def register(parser: argparse.ArgumentParser) -> None:
    sub = add_subcommands(parser, dest="command")
    quota = sub.add_parser(
        "quota",
        help="回测配额:正在运行的回测、并行上限、今日已用/免费分钟、能否再发起",
        description="读取 /algorithm/index/statistics(只读):正在运行的回测(名称、提交时间、已运行时长)、\n"
        "并行上限(默认 2 个,编译运行与正式回测合计)、今日已用分钟和免费分钟(按站点原值)、\n"
        "VIP 类型(/user/index/isLogin 的 vipType,站点不给时为 null),以及 can_start 和原因。",
    )
    quota.add_argument("--no-tier", action="store_true", help="不读取 VIP 类型(少一次请求)")
    quota.set_defaults(handler=quota_command)


def elapsed_text(seconds: object) -> str:
    if not isinstance(seconds, int):
        return ""
    hours, rest = divmod(seconds, 3600)
    return (f"{hours}小时" if hours else "") + f"{rest // 60}分{rest % 60:02d}秒"


def quota_output(view: QuotaView) -> Dict[str, Any]:
    quota = view.quota
    running = [
        {
            "id": run.id,
            "name": run.name,
            "started_at": run.started_at,
            "elapsed_seconds": run.elapsed_seconds,
            "elapsed": elapsed_text(run.elapsed_seconds),
        }
        for run in quota.running
    ]
    return {
        "can_start": view.can_start,
        "reason": view.reason,
        "running_count": len(running),
        "concurrency_cap": quota.concurrency,
        "free_slots": max(0, quota.concurrency - len(running)),
        "running": running,
        "done_today": quota.done_today,
        "minutes_used_today": quota.used_minutes,
        "minutes_free_today": quota.free_minutes,
        "vip_type": quota.vip_type,
        "response": view.response,
    }


def quota_command(ctx: Context) -> Reply:
    from jqcli.entrypoints.render import Result, Table

    data = quota_output(ctx.services.read_quota().execute(tier=not ctx.args.no_tier))
    columns = [("name", "正在运行"), ("started_at", "提交时间"), ("elapsed", "已运行"), ("id", "ID")]
    verdict = "可以发起" if data["can_start"] else f"不能发起:{data['reason']}"
    footer = (
        f"运行中 {data['running_count']}/{data['concurrency_cap']} · 今日已用 {_num(data['minutes_used_today'])} 分钟"
        f" · 免费 {_num(data['minutes_free_today'])} 分钟 · VIP {data['vip_type'] or '未知'} · {verdict}"
    )
    return Result(data, table=Table(columns, data["running"], footer=footer))


def _num(value: object) -> str:
    return "未知" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
