"""``jqcli backtest trades|positions|risk|export|chart|report``: reading a run's results (issue 14).

Registered into the ``backtest`` group by ``commands/backtest.py``; argparse and thin handlers only
(args → use case from the composition root → presenter).  Nothing heavy is imported at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jqcli.entrypoints.argtypes import backtest_id, positive_float, positive_int

if TYPE_CHECKING:
    import argparse

    from jqcli.application.results import ListLedger
    from jqcli.domain.results import LedgerFilter
    from jqcli.entrypoints.context import Context, Reply
    from jqcli.entrypoints.parser import SubParsers

ID_HELP = "回测 id(run 返回的 id,或 ls 返回的 id)"


def register(sub: SubParsers) -> None:
    for name, kind, what in (("trades", "transaction", "交易记录"), ("positions", "position", "每日持仓(含现金行)")):
        p = sub.add_parser(
            name,
            help=f"读取回测的{what}",
            description=f"按站点的游标读取回测的全部{what}(offset 计所有原始行,dateOffset 为最后一行日期)。\n"
            "站点最多显示 1000 行:超出时输出 truncated: true,完整记录请用 backtest export。",
        )
        p.add_argument("backtest_id", type=backtest_id, metavar="BACKTEST_ID", help=ID_HELP)
        p.add_argument("--date", metavar="YYYY[-MM[-DD]]", default="", help="只保留该日(或该月、该年)的行")
        p.add_argument("--security", metavar="CODE", default="", help="只保留代码或名称包含该文字的行")
        p.add_argument("--limit", type=positive_int, metavar="N", help="最多输出 N 行(够了即停止翻页)")
        p.add_argument("--stream", action="store_true", help="逐行输出 NDJSON 事件(行、done;失败时 error)")
        p.set_defaults(handler=ledger_command, ledger_kind=kind)

    risk = sub.add_parser(
        "risk",
        help="读取按月的 1/3/6/12 个月风险指标窗口",
        description="读取风险指标窗口;未就绪时重试(5 次,间隔 2.2 秒)。",
    )
    risk.add_argument("backtest_id", type=backtest_id, metavar="BACKTEST_ID", help=ID_HELP)
    risk.set_defaults(handler=risk_command)

    export = sub.add_parser(
        "export",
        help="导出收益 CSV、交易/持仓 CSV 或日志",
        description="--kind result: 收益 CSV(export?type=result);transaction/position/log: 站点的打包导出\n"
        "(创建任务一次、从不重试,轮询约 2 秒一次,下载并校验 zip)。CSV 默认从 GB18030 转为 UTF-8(--raw 保留原样)。\n"
        "任务 id 写入输出文件旁的 .<文件名>.jqcli-export.json 并在输出里给出;再次下载用 --task,不新建任务。",
    )
    export.add_argument("backtest_id", type=backtest_id, metavar="BACKTEST_ID", help=ID_HELP)
    export.add_argument("--kind", choices=("result", "transaction", "position", "log"), required=True, help="导出内容")
    export.add_argument("--output", "-o", required=True, metavar="PATH", help="输出文件")
    export.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    export.add_argument("--raw", action="store_true", help="保留站点原始字节(不转 UTF-8)")
    export.add_argument("--keep-zip", action="store_true", help="保存下载的 zip 本身,而不是其中的文件")
    export.add_argument("--task", default="", metavar="TASK", help="下载已创建的导出任务(不新建任务,不消耗次数)")
    export.add_argument("--use-credit", action="store_true", help="免费导出次数用完时同意消耗积分(需要 --yes)")
    export.add_argument("-y", "--yes", action="store_true", help="确认消耗积分")
    export.add_argument(
        "--wait-timeout", type=positive_float, default=300.0, metavar="SECONDS", help="等待打包(默认 300)"
    )
    export.add_argument("--poll-interval", type=positive_float, default=2.0, metavar="SECONDS", help="轮询间隔(默认 2)")
    export.set_defaults(handler=export_command)

    chart = sub.add_parser(
        "chart",
        help="在终端画收益曲线、超额收益和最大回撤",
        description="策略与基准的累计收益、超额收益((a+100)/(b+100)*100-100)和最大回撤区间,按终端宽度绘制;\n"
        "终端太窄或输出到管道时输出一行 sparkline(--full 强制完整图)。--format json 输出曲线数据。",
    )
    chart.add_argument("backtest_id", type=backtest_id, metavar="BACKTEST_ID", help=ID_HELP)
    chart.add_argument("--width", type=positive_int, metavar="COLUMNS", help="宽度(默认终端宽度)")
    chart.add_argument("--height", type=positive_int, default=14, metavar="ROWS", help="曲线区高度(默认 14)")
    mode = chart.add_mutually_exclusive_group()
    mode.add_argument("--full", action="store_true", help="总是画完整图")
    mode.add_argument("--spark", action="store_true", help="总是输出一行 sparkline")
    chart.set_defaults(handler=chart_command)

    report = sub.add_parser(
        "report",
        help="生成自包含的 HTML 回测报告",
        description="一个 HTML 文件(无脚本、不联网):设置、全部指标、曲线与回撤(内联 SVG)、月度收益、\n"
        "最初和最后的交易、期末持仓和代码。--compare 加入其他回测的曲线和指标。",
    )
    report.add_argument("backtest_id", type=backtest_id, metavar="BACKTEST_ID", help=ID_HELP)
    report.add_argument("--compare", nargs="+", default=[], metavar="ID", help="对比的其他回测 id")
    report.add_argument("--output", "-o", required=True, metavar="PATH", help="输出 HTML 文件")
    report.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    report.set_defaults(handler=report_command)


def _filter(args: argparse.Namespace) -> LedgerFilter:
    from jqcli.domain.results import LedgerFilter

    return LedgerFilter(date=args.date.strip(), security=args.security.strip())


def ledger_command(ctx: Context) -> Reply:
    from jqcli.entrypoints import presenters_results as view
    from jqcli.entrypoints.render import Result, Table

    args, kind = ctx.args, ctx.args.ledger_kind
    use_case = ctx.services.list_ledger(kind)
    if args.stream:
        return _stream(ctx, use_case, kind)
    outcome = use_case.execute(args.backtest_id, where=_filter(args), limit=args.limit)
    data = view.ledger_output(outcome, kind)
    if outcome.truncated:
        ctx.warn(str(data["hint"]))
    columns = view.TRADE_COLUMNS if kind == "transaction" else view.POSITION_COLUMNS
    footer = f"共 {outcome.count} 行" + ("(已截断,见上方提示)" if outcome.truncated else "")
    items = data["items"]
    rows = view.table_rows(items) if isinstance(items, list) else []
    return Result(data, table=Table(columns, rows, footer=footer))


def _stream(ctx: Context, use_case: ListLedger, kind: str) -> Reply:
    from jqcli.domain.errors import JqcliError
    from jqcli.entrypoints import presenters_results as view

    item, event = view.item_of(kind), "trade" if kind == "transaction" else "position"
    try:
        outcome = use_case.execute(
            ctx.args.backtest_id,
            where=_filter(ctx.args),
            limit=ctx.args.limit,
            on_row=lambda row: ctx.emit_ndjson({"type": event, "item": item(row)}),
        )
    except JqcliError as exc:
        ctx.emit_ndjson({"type": "error", "error": {"code": exc.code, "message": exc.message, "details": exc.details}})
        raise
    ctx.emit_ndjson({"type": "done", **view.ledger_summary(outcome, kind)})
    return None


def risk_command(ctx: Context) -> Reply:
    from jqcli.entrypoints import presenters_results as view
    from jqcli.entrypoints.render import Result, Table

    outcome = ctx.services.read_risk_windows().execute(ctx.args.backtest_id)
    if not outcome.ready:
        ctx.warn("风险指标尚未就绪(回测未完成或站点仍在计算),稍后再试")
    columns = [
        ("metric", "指标"),
        ("month", "月份"),
        ("m1", "1个月"),
        ("m3", "3个月"),
        ("m6", "6个月"),
        ("m12", "12个月"),
    ]
    return Result(view.risk_output(outcome), table=Table(columns, view.table_rows(view.risk_rows(outcome))))


def export_command(ctx: Context) -> Reply:
    from jqcli.application.results import ExportRequest
    from jqcli.domain.errors import UsageError
    from jqcli.entrypoints import presenters_results as view

    args = ctx.args
    files = ctx.services.output_files()
    path = _output_path(ctx)
    files.check_output(path, force=args.force)  # before anything is created or spent
    if args.kind == "result" and (args.task or args.use_credit or args.keep_zip):
        raise UsageError("--task/--use-credit/--keep-zip 只用于 transaction/position/log 导出")
    if args.use_credit:
        ctx.confirm("导出可能消耗积分", yes=args.yes, details={"id": args.backtest_id, "kind": args.kind})
    task, reused = args.task.strip(), bool(args.task.strip())
    saved = files.load_task(path) if not task and args.kind != "result" else None
    if saved and saved.get("backtest_id") == args.backtest_id and saved.get("kind") == args.kind:
        task, reused = saved["task"], True
        ctx.warn(f"沿用已创建的导出任务 {task}(不新建任务)")

    def keep(new_task: str, export_id: str) -> None:
        files.save_task(
            path, {"backtest_id": args.backtest_id, "kind": args.kind, "task": new_task, "export_id": export_id}
        )

    request = ExportRequest(
        args.backtest_id, args.kind, use_credit=args.use_credit, task=task, raw=args.raw, keep_zip=args.keep_zip,
        wait_timeout=args.wait_timeout, poll_interval=args.poll_interval,
    )  # fmt: skip
    outcome = ctx.services.export_backtest().execute(request, on_task=keep)
    written = files.write_output(path, outcome.data, force=args.force)
    return view.export_output(outcome, args.output, written, reused=reused)


def _output_path(ctx: Context) -> str:
    """``--output`` against the command's working directory (the CLI's ``cwd``, injectable in tests)."""
    import os

    if not ctx.args.output.strip():  # "" would name the working directory itself
        from jqcli.domain.errors import UsageError

        raise UsageError("--output 的路径不能为空", details={"argument": "--output"})
    return os.path.join(ctx.cwd, os.path.expanduser(ctx.args.output))


def _terminal_width(ctx: Context) -> int:
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def chart_command(ctx: Context) -> Reply:
    from jqcli.domain.results import max_drawdown
    from jqcli.entrypoints import chart as draw
    from jqcli.entrypoints import presenters_results as view

    args = ctx.args
    outcome = ctx.services.read_curve().execute(args.backtest_id)
    period = max_drawdown(outcome.curve.strategy)
    if ctx.format == "json":
        return view.chart_output(outcome, period)
    tty = ctx.stdio._isatty(ctx.stdio.stdout)
    width = args.width or _terminal_width(ctx)
    narrow = width < draw.MIN_FULL_WIDTH or not tty
    if args.spark or (narrow and not args.full):
        text = draw.one_line(outcome.curve, period, width)
    else:
        text = draw.render_chart(outcome.curve, period, width=width, height=args.height)
    from jqcli.entrypoints.context import write_stream

    write_stream(ctx.stdio.stdout, text + "\n")
    return None


def report_command(ctx: Context) -> Reply:
    import datetime

    from jqcli.entrypoints.report import render_report

    args = ctx.args
    files = ctx.services.output_files()
    path = _output_path(ctx)
    files.check_output(path, force=args.force)
    data = ctx.services.build_report().execute(args.backtest_id, compare=args.compare)
    stamp = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    html = render_report(data, generated=stamp).encode("utf-8")
    written = files.write_output(path, html, force=args.force)
    return {
        "id": args.backtest_id,
        "run_id": data.main.run_id,
        "output": args.output,
        "bytes": written,
        "points": len(data.main.curve),
        "trades": data.main.trade_count,
        "compare": [other.backtest_id for other in data.others],
    }
