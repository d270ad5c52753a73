"""``jqcli backtest history``: the local run ledger (issue 13 item 6).

Registered into the ``backtest`` group by ``commands/backtest.py``.  Reads only the local file
(``runs.sqlite3`` in the user data folder): no request is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict

from jqcli.entrypoints.argtypes import iso_date, positive_int

if TYPE_CHECKING:
    from jqcli.domain.ledger import LedgerEntry
    from jqcli.entrypoints.context import Context, Reply
    from jqcli.entrypoints.parser import SubParsers

STATUSES = ("running", "done", "failed", "cancelled", "unknown")


def register(sub: SubParsers) -> None:
    history = sub.add_parser(
        "history",
        help="列出本机回测台账(每次发起的回测及其全部 id,不发请求)",
        description="列出本机回测台账 runs.sqlite3(用户数据目录下,按站点和账号分开)。\n"
        "每次 backtest run 在发送创建请求之前就记下一条,收到回答后补上全部 id,等待结束时更新状态,\n"
        "所以进程崩溃、被 kill、收到 SIGTERM 或回答丢失都不会丢掉回测。\n"
        "状态 unknown = 创建请求没有收到回答且未能在历史列表中核对到(见 outcome)。",
    )
    history.add_argument("--strategy", default="", metavar="NAME_OR_ID", help="只列出该策略(名称或发起时的 id)")
    history.add_argument("--status", choices=STATUSES, help="按状态过滤(状态在等待结束时更新)")
    history.add_argument("--since", type=iso_date, metavar="YYYY-MM-DD", help="只列出该日(北京时间)及以后提交的")
    history.add_argument("--until", type=iso_date, metavar="YYYY-MM-DD", help="只列出该日(北京时间)及以前提交的")
    history.add_argument("--limit", type=positive_int, default=50, help="最多输出条数(默认 50)")
    history.add_argument("--all", action="store_true", help="不按 --limit 截断")
    history.set_defaults(handler=history_command)


def _day_start(day: str) -> float:
    import calendar

    year, month, date = (int(part) for part in day.split("-"))
    return calendar.timegm((year, month, date, 0, 0, 0)) - 8 * 3600.0  # 00:00 in Beijing


def history_item(entry: LedgerEntry) -> Dict[str, Any]:
    from jqcli.domain.ledger import beijing_time

    s = entry.settings
    return {
        "key": entry.key,
        "submitted_at": beijing_time(entry.submitted_at),
        "strategy_id": entry.strategy_id,
        "strategy_name": entry.strategy_name,
        "mode": s.mode,
        "start_date": s.start,
        "end_date": s.end,
        "capital": s.capital,
        "frequency": s.frequency,
        "code_hash": entry.code_hash,
        "outcome": entry.outcome,
        "status": entry.status or "unknown",
        "id": entry.backtest_id,
        "list_id": entry.list_id,
        "run_id": entry.run_id,
        "metrics": dict(entry.metrics),
        "file": entry.file,
    }


def history_command(ctx: Context) -> Reply:
    from jqcli.domain.errors import UsageError
    from jqcli.entrypoints.render import Result, Table

    args = ctx.args
    if args.since and args.until and args.since > args.until:
        raise UsageError(f"--since {args.since} 晚于 --until {args.until}")
    entries = ctx.services.list_runs().execute(
        strategy=args.strategy,
        status=args.status or "",
        since=_day_start(args.since) if args.since else None,
        until=_day_start(args.until) + 86400.0 if args.until else None,
        limit=None if args.all else args.limit,
    )
    items = [history_item(entry) for entry in entries]
    flat = [{**item, "range": f"{item['start_date']}~{item['end_date']}", **item["metrics"]} for item in items]
    columns = [
        ("submitted_at", "提交时间"),
        ("strategy_name", "策略"),
        ("mode", "模式"),
        ("status", "状态"),
        ("range", "区间"),
        ("algorithm_return", "收益"),
        ("id", "ID"),
        ("list_id", "LIST_ID"),
    ]
    return Result({"items": items}, table=Table(columns, flat, footer=f"共 {len(items)} 条台账记录"))
