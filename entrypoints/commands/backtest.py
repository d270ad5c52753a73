"""``jqcli backtest …``: run, ls, show, stats, result, logs, rm (spec: Backtest API).

Nothing heavy is imported at module level.
"""

from __future__ import annotations

from jqcli.entrypoints.argtypes import amount, iso_date, non_negative_int, positive_float, positive_int
from jqcli.entrypoints.codeio import add_code_options, read_code
from jqcli.entrypoints.parser import add_subcommands

STRATEGY_HELP = "策略 id(或唯一的策略名称)"
ID_HELP = "回测 id(run 返回的 id,或 ls 返回的 id)"


def register(parser) -> None:  # type: ignore[no-untyped-def]
    sub = add_subcommands(parser, dest="command")

    run = sub.add_parser(
        "run",
        help="发起正式回测或编译运行(可先推送本地源码)",
        description="发起正式回测(默认)或编译运行(--compile)。创建请求从不重试。\n"
        "推送并运行: --file/--code-stdin 配合 --name,按名称新建或更新策略后立即运行。",
    )
    run.add_argument("strategy", metavar="STRATEGY", nargs="?", default="", help=STRATEGY_HELP)
    run.add_argument("--start", type=iso_date, required=True, metavar="YYYY-MM-DD", help="开始日期(必填)")
    run.add_argument("--end", type=iso_date, metavar="YYYY-MM-DD", help="结束日期(默认前一个工作日)")
    run.add_argument("--capital", type=amount, metavar="AMOUNT", help="初始资金")
    run.add_argument("--freq", choices=("day", "minute"), default="day", help="回测频率(默认 day)")
    run.add_argument("--compile", action="store_true", help="编译运行模式(进入 buildList)")
    run.add_argument("--use-credit", action="store_true", help="免费时长不足时同意消耗积分(发送 useCredit=1)")
    add_code_options(run, what="源码并先保存到策略")
    run.add_argument("--name", help="推送并运行:按此名称新建或更新策略(配合 --file/--code-stdin)")
    run.add_argument("--wait", action="store_true", help="轮询直到结束或超时,输出状态、指标和错误日志")
    run.add_argument(
        "--wait-timeout", type=positive_float, default=1800.0, metavar="SECONDS", help="--wait 的最长等待(默认 1800)"
    )
    run.add_argument(
        "--poll-interval", type=positive_float, default=5.0, metavar="SECONDS", help="初始轮询间隔(默认 5,逐步放大)"
    )
    run.set_defaults(handler=run_command)

    ls = sub.add_parser("ls", help="列出策略的回测记录", description="列出正式回测(默认)或编译运行记录。")
    ls.add_argument("strategy", metavar="STRATEGY", help=STRATEGY_HELP)
    ls.add_argument(
        "--status", choices=("all", "running", "done", "failed", "cancelled"), default="all", help="按状态过滤"
    )
    ls.add_argument("--limit", type=positive_int, default=50, help="最多输出条数(默认 50)")
    ls.add_argument("--all", action="store_true", help="不按 --limit 截断")
    ls.add_argument("--compile", action="store_true", help="读取编译运行列表")
    ls.set_defaults(handler=ls_command)

    show = sub.add_parser("show", help="查看回测详情、源码和指标", description="查看回测详情、源码和指标。")
    show.add_argument("backtest_id", metavar="BACKTEST_ID", help=ID_HELP)
    show.set_defaults(handler=show_command)

    stats = sub.add_parser("stats", help="读取回测收益与风险指标", description="读取回测收益与风险指标。")
    stats.add_argument("backtest_id", metavar="BACKTEST_ID", help=ID_HELP)
    stats.set_defaults(handler=stats_command)

    result = sub.add_parser("result", help="读取收益曲线数据", description="读取策略/基准收益曲线和 record() 曲线。")
    result.add_argument("backtest_id", metavar="BACKTEST_ID", help=ID_HELP)
    result.add_argument("--offset", type=non_negative_int, default=0, help="曲线起始 offset(默认 0)")
    result.add_argument("--user-record-offset", type=non_negative_int, default=0, help="record() 曲线 offset")
    result.add_argument("--all", action="store_true", help="读取并合并所有分页")
    result.add_argument("--max-pages", type=positive_int, default=200, help="--all 最多读取的页数(默认 200)")
    result.set_defaults(handler=result_command)

    logs = sub.add_parser("logs", help="读取运行日志或错误日志", description="读取回测运行日志(--error 为错误日志)。")
    logs.add_argument("backtest_id", metavar="BACKTEST_ID", help=ID_HELP)
    logs.add_argument("--offset", type=non_negative_int, default=0, help="起始行 offset(默认 0)")
    logs.add_argument("--all", action="store_true", help="一直翻页直到空页或 max")
    logs.add_argument("--max-pages", type=positive_int, default=50, help="--all 最多读取的页数(默认 50)")
    logs.add_argument("--error", action="store_true", help="读取错误日志(编译错误、异常堆栈)")
    logs.set_defaults(handler=logs_command)

    rm = sub.add_parser("rm", help="删除回测记录", description="删除正式回测记录(--compile 删除编译运行记录)。")
    rm.add_argument("list_id", metavar="LIST_ID", help="回测记录 id(建议用 backtest ls 返回的 list_id)")
    rm.add_argument("-y", "--yes", action="store_true", help="确认删除")
    rm.add_argument("--compile", action="store_true", help="删除编译运行记录")
    rm.set_defaults(handler=rm_command)

    from jqcli.entrypoints.commands import backtest_results  # trades/positions/risk/export/chart/report

    backtest_results.register(sub)


# -- handlers ------------------------------------------------------------------------------------


def _readable(data: dict, *, skip: tuple = ("response",), metrics: bool = True):  # type: ignore[no-untyped-def]
    """The table view of one object: a field/value list without the raw response, metrics one per line."""
    from jqcli.entrypoints.render import Result, Table

    rows = [{"key": k, "value": v} for k, v in data.items() if k not in skip and not (metrics and k == "metrics")]
    if metrics and isinstance(data.get("metrics"), dict):
        rows += [{"key": k, "value": v} for k, v in data["metrics"].items()]
    if isinstance(data.get("code"), str):
        rows = [row for row in rows if row["key"] != "code"]
    return Result(data, table=Table([("key", "字段"), ("value", "值")], rows, wrap=True))


def _mode(compile_run: bool):  # type: ignore[no-untyped-def]
    from jqcli.domain.backtest import mode_for

    return mode_for(compile_run)


def run_command(ctx):  # type: ignore[no-untyped-def]
    import datetime

    from jqcli.application.running import PushCode
    from jqcli.domain.backtest import BacktestRequest
    from jqcli.domain.dates import check_range, default_end
    from jqcli.domain.errors import UsageError
    from jqcli.domain.polling import WaitPolicy

    args = ctx.args
    code = read_code(ctx)
    target = args.strategy
    if code is None and args.name:
        if target:
            raise UsageError("策略 id 与 --name 只能给一个(--name 用于推送并运行)")
        target = args.name
    if not target and code is None:
        raise UsageError("缺少策略:请给出策略 id/名称,或用 --file/--code-stdin 配合 --name 推送并运行")
    if code is not None and not target and not args.name:
        raise UsageError("推送并运行需要 --name(或给出要更新的策略 id)")
    end = args.end or default_end(datetime.date.today())
    check_range(args.start, end)
    request = BacktestRequest(
        strategy_id=target,
        start=args.start,
        end=end,
        mode=_mode(args.compile),
        capital=args.capital,
        frequency=args.freq,
        use_credit=args.use_credit,
    )
    push = PushCode(code=code, name=args.name) if code is not None else None
    wait = WaitPolicy(poll_interval=args.poll_interval, timeout=args.wait_timeout) if args.wait else None
    use_case = ctx.services.backtest_use_case("RunBacktest")
    progress = ctx.progress
    if wait is not None and ctx.shows_progress:
        import attrs

        from jqcli.entrypoints.commands.backtest_views import WaitTicker

        ticker = WaitTicker(ctx.progress, use_case.clock)
        use_case, progress = attrs.evolve(use_case, clock=ticker), ticker.progress
    try:
        outcome = use_case.execute(request, push=push, wait=wait, progress=progress)
    finally:
        ctx.end_progress()
    from jqcli.entrypoints.commands.strategy_files import track_run_file

    data = _run_output(outcome)
    tracked = track_run_file(ctx, code, outcome.pushed)  # a tracked --file: the manifest follows the save
    if tracked is not None:
        data["tracked"] = tracked
    return _readable(data)


def _run_output(outcome) -> dict:  # type: ignore[no-untyped-def]
    request = outcome.request
    data: dict = {
        "id": outcome.build.id,
        "list_id": outcome.build.list_id,
        "strategy_id": request.strategy_id,
        "mode": request.mode.name,
        "status": outcome.status,
        "start_date": request.start,
        "end_date": request.end,
        "response": outcome.build.response,
    }
    if outcome.pushed is not None:
        p = outcome.pushed
        data["pushed"] = {"action": p.action, "id": p.id, "save_id": p.save_id, "name": p.name}
    if outcome.waited:
        data.update(
            run_id=outcome.run_id,
            metrics=outcome.metrics,
            result_state=outcome.result_state,
            polls=outcome.polls,
            waited_seconds=outcome.elapsed,
        )
        if outcome.status != "done" or outcome.error_logs:
            data["error_logs"] = list(outcome.error_logs)
    return data


def backtest_item(row, strategy_id: str, mode: str) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": row.id,
        "list_id": row.list_id,
        "source_id": row.source_id,
        "strategy_id": strategy_id,
        "name": row.name,
        "status": row.status,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "capital": row.capital,
        "frequency": row.frequency,
        "metrics": dict(row.metrics),
        "submitted_at": row.submitted_at,
        "numeric_id": row.numeric_id,
        "status_text": row.status_text,
        "status_code": row.status_code,
        "run_time": row.run_time,
        "mode": mode,
    }


def ls_command(ctx):  # type: ignore[no-untyped-def]
    from jqcli.entrypoints.render import Result, Table

    args = ctx.args
    mode = _mode(args.compile)
    if ctx.shows_progress:
        paths = ("/algorithm/backtest/list", "/algorithm/backtest/buildList")
        ctx.services.observe_pages(lambda n: ctx.progress(f"已读取 {n} 页{mode.label}记录…"), paths)
    try:
        strategy_id, rows = ctx.services.backtest_use_case("ListBacktests").execute(
            args.strategy, mode, status=args.status, limit=None if args.all else args.limit
        )
    finally:
        ctx.end_progress()
    items = [backtest_item(row, strategy_id, mode.name) for row in rows]
    flat = [{**item, "range": f"{item['start_date']}~{item['end_date']}", **item["metrics"]} for item in items]
    columns = [
        ("submitted_at", "提交时间"),
        ("name", "名称"),
        ("status", "状态"),
        ("range", "区间"),
        ("algorithm_return", "收益"),
        ("max_drawdown", "回撤"),
        ("id", "ID"),
        ("list_id", "LIST_ID"),
    ]
    footer = f"共 {len(items)} 条{mode.label}记录"
    return Result({"items": items}, table=Table(columns, flat, footer=footer))


def show_command(ctx):  # type: ignore[no-untyped-def]
    view = ctx.services.backtest_use_case("ShowBacktest").execute(ctx.args.backtest_id)
    d = view.detail
    return _readable(
        {
            "id": ctx.args.backtest_id,
            "list_id": d.run_id or ctx.args.backtest_id,  # the detail page's #backtestId (protocol.md §6.3)
            "strategy_id": d.strategy_id,
            "status": view.status,
            "start_date": d.start_date,
            "end_date": d.end_date,
            "name": d.name,
            "capital": d.capital,
            "frequency": d.frequency,
            "run_id": d.run_id,
            "source_id": d.source_id,
            "code": view.code,
            "metrics": view.metrics,
        }
    )


def stats_command(ctx):  # type: ignore[no-untyped-def]
    out = ctx.services.backtest_use_case("BacktestStats").execute(ctx.args.backtest_id)
    data = {
        "id": out.id,
        "resolved_id": out.resolved_id,
        "ready": out.ready,
        "metrics": out.metrics,
        "response": out.response,
    }
    return _readable(data)


def result_command(ctx):  # type: ignore[no-untyped-def]
    from jqcli.domain.backtest import status_of

    args = ctx.args
    out = ctx.services.backtest_use_case("BacktestResult").execute(
        args.backtest_id,
        offset=args.offset,
        user_record_offset=args.user_record_offset,
        read_all=args.all,
        max_pages=args.max_pages,
    )
    if out.truncated:
        ctx.warn(
            f"已读到 --max-pages {args.max_pages} 页的上限,曲线可能还有;用 --offset {out.next_offset}"
            f" --user-record-offset {out.next_user_record_offset} 继续读取"
        )
    data = {
        "id": out.id,
        "resolved_id": out.resolved_id,
        "offset": out.offset,
        "user_record_offset": out.user_record_offset,
        "next_offset": out.next_offset,
        "next_user_record_offset": out.next_user_record_offset,
        "state": out.state,
        "status": status_of(code=out.state),
        "pages": len(out.responses),
        **({"truncated": out.truncated} if args.all else {}),
        "data": out.data,
        "response": out.responses[0] if len(out.responses) == 1 else list(out.responses),
    }
    from jqcli.entrypoints.commands.backtest_views import curve_summary

    return curve_summary(data)


def logs_command(ctx):  # type: ignore[no-untyped-def]
    from jqcli.domain.backtest import status_of

    args = ctx.args
    out = ctx.services.backtest_use_case("BacktestLogs").execute(
        args.backtest_id, offset=args.offset, errors=args.error, read_all=args.all, max_pages=args.max_pages
    )
    if out.truncated:
        ctx.warn(f"已读到 --max-pages {args.max_pages} 页的上限,日志可能还有;用 --offset {out.next_offset} 继续读取")
    if ctx.format != "json":
        text = "".join(line + "\n" for line in out.lines)
        ctx.stdio.stdout.write(text)
        ctx.stdio.stdout.flush()
        return None
    return {
        "id": out.id,
        "resolved_id": out.resolved_id,
        "kind": out.kind,
        "offset": out.offset,
        "next_offset": out.next_offset,
        "state": out.state,
        "status": status_of(code=out.state),
        "max": out.max,
        **({"truncated": out.truncated} if args.all and not args.error else {}),
        "logs": list(out.lines),
        "response": out.responses[0] if len(out.responses) == 1 else list(out.responses),
    }


def rm_command(ctx):  # type: ignore[no-untyped-def]
    args = ctx.args
    mode = _mode(args.compile)
    ctx.confirm(f"删除{mode.label}记录 {args.list_id}", yes=args.yes, details={"id": args.list_id, "mode": mode.name})
    response = ctx.services.backtest_use_case("DeleteBacktest").execute(args.list_id, mode)
    return {"ok": True, "id": args.list_id, "mode": mode.name, "response": response}
