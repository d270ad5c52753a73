"""``jqcli backtest …``: run, ls, show, stats, result, logs, rm (spec: Backtest API).

Nothing heavy is imported at module level.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Dict, Tuple

from jqcli.entrypoints.argtypes import amount, backtest_id, iso_date, non_negative_int, positive_float, positive_int
from jqcli.entrypoints.codeio import add_code_options, read_code
from jqcli.entrypoints.parser import add_subcommands, builds_any

if TYPE_CHECKING:
    import argparse

    from jqcli.domain.backtest import Mode
    from jqcli.entrypoints.context import Context, Reply
    from jqcli.entrypoints.render import Result

STRATEGY_HELP = "策略 id(或唯一的策略名称)"
ID_HELP = "回测 id(run 返回的 id,或 ls 返回的 id)"


OWN_SUBCOMMANDS = ("run", "ls", "show", "stats", "result", "logs", "rm")
EXTENSIONS = (
    ("jqcli.entrypoints.commands.backtest_results", ("trades", "positions", "risk", "export", "chart", "report")),
    ("jqcli.entrypoints.commands.backtest_verdict", ("verdict", "wait")),  # branch fixa
    ("jqcli.entrypoints.commands.backtest_compare", ("compare",)),  # branch fixa
    ("jqcli.entrypoints.commands.backtest_cancel", ("cancel",)),  # fixb
    ("jqcli.entrypoints.commands.backtest_history", ("history",)),  # fixb
)


def register(parser: argparse.ArgumentParser) -> None:
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
    if builds_any(sub, ("run",)):
        from jqcli.entrypoints.commands import backtest_verdict  # branch fixa: verdict, wait, --exit-status

        backtest_verdict.add_exit_status_option(run)
    # fixb: the run ledger and the slot check
    run.add_argument(
        "--reuse",
        action="store_true",
        help="回测台账里有同一源码(哈希)和同一设置的回测时直接复用:已完成的直接返回结果,运行中的接着等待",
    )
    run.add_argument("--no-quota-check", action="store_true", help="发起前不检查并行名额(account quota)")
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
    show.add_argument("backtest_id", type=backtest_id, metavar="BACKTEST_ID", help=ID_HELP)
    show.set_defaults(handler=show_command)

    stats = sub.add_parser("stats", help="读取回测收益与风险指标", description="读取回测收益与风险指标。")
    stats.add_argument("backtest_id", type=backtest_id, metavar="BACKTEST_ID", help=ID_HELP)
    stats.set_defaults(handler=stats_command)

    result = sub.add_parser("result", help="读取收益曲线数据", description="读取策略/基准收益曲线和 record() 曲线。")
    result.add_argument("backtest_id", type=backtest_id, metavar="BACKTEST_ID", help=ID_HELP)
    result.add_argument("--offset", type=non_negative_int, default=0, help="曲线起始 offset(默认 0)")
    result.add_argument("--user-record-offset", type=non_negative_int, default=0, help="record() 曲线 offset")
    result.add_argument("--all", action="store_true", help="读取并合并所有分页")
    result.add_argument("--max-pages", type=positive_int, default=200, help="--all 最多读取的页数(默认 200)")
    result.set_defaults(handler=result_command)

    logs = sub.add_parser("logs", help="读取运行日志或错误日志", description="读取回测运行日志(--error 为错误日志)。")
    logs.add_argument("backtest_id", type=backtest_id, metavar="BACKTEST_ID", help=ID_HELP)
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

    # The sub-commands other modules register: a module is imported only when the command line names
    # one of its sub-commands, names none (group help), or names an unknown one (the error lists all).
    unknown = not builds_any(sub, OWN_SUBCOMMANDS + tuple(name for _, names in EXTENSIONS for name in names))
    for module_name, names in EXTENSIONS:
        if unknown or builds_any(sub, names):
            importlib.import_module(module_name).register(sub)


# -- handlers ------------------------------------------------------------------------------------


def _readable(data: Dict[str, Any], *, skip: Tuple[str, ...] = ("response",), metrics: bool = True) -> Result:
    """The table view of one object: a field/value list without the raw response, metrics one per line."""
    from jqcli.entrypoints.render import Result, Table

    rows = [{"key": k, "value": v} for k, v in data.items() if k not in skip and not (metrics and k == "metrics")]
    if metrics and isinstance(data.get("metrics"), dict):
        rows += [{"key": k, "value": v} for k, v in data["metrics"].items()]
    if isinstance(data.get("code"), str):
        rows = [row for row in rows if row["key"] != "code"]
    return Result(data, table=Table([("key", "字段"), ("value", "值")], rows, wrap=True))


def _mode(compile_run: bool) -> Mode:
    from jqcli.domain.backtest import mode_for

    return mode_for(compile_run)


def run_command(ctx: Context) -> Reply:
    import datetime

    from jqcli.application.run_backtest import PushCode
    from jqcli.domain.backtest_build import BacktestRequest
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
    if args.exit_status and not args.wait:
        raise UsageError("--exit-status 需要配合 --wait(不等待时不知道回测如何结束)")
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
    use_case = ctx.services.run_backtest()
    if args.no_quota_check:
        import attrs

        use_case = attrs.evolve(use_case, account=None)
    progress = ctx.progress
    if wait is not None and ctx.shows_progress:
        import attrs

        from jqcli.entrypoints.commands.backtest_views import WaitTicker

        ticker = WaitTicker(ctx.progress, use_case.clock)
        use_case, progress = attrs.evolve(use_case, clock=ticker), ticker.progress
    try:
        outcome = use_case.execute(
            request, push=push, wait=wait, progress=progress, reuse=args.reuse, file=_file_path(ctx)
        )
    finally:
        ctx.end_progress()
    if outcome.reconciled:
        ctx.warn(f"创建回测的请求没有收到回答;已在历史列表中找到这次提交的回测 {outcome.build.id}(未重发)")
    from jqcli.entrypoints.commands.backtest_verdict import finish_run, local_source
    from jqcli.entrypoints.commands.strategy_files import track_run_file
    from jqcli.entrypoints.presenters import run_output

    data = run_output(outcome)
    tracked = track_run_file(ctx, code, outcome.pushed)  # a tracked --file: the manifest follows the save
    if tracked is not None:
        data["tracked"] = tracked
    return finish_run(ctx, outcome, data, local=local_source(ctx, code))


def _file_path(ctx: Context) -> str:
    import os

    path = getattr(ctx.args, "file", None)
    return os.path.abspath(os.path.join(ctx.cwd, path)) if path else ""


def ls_command(ctx: Context) -> Reply:
    from jqcli.entrypoints.presenters import backtest_item
    from jqcli.entrypoints.render import Result, Table

    args = ctx.args
    mode = _mode(args.compile)
    if ctx.shows_progress:
        paths = ("/algorithm/backtest/list", "/algorithm/backtest/buildList")
        ctx.services.observe_pages(lambda n: ctx.progress(f"已读取 {n} 页{mode.label}记录…"), paths)
    try:
        strategy_id, rows = ctx.services.list_backtests().execute(
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


def show_command(ctx: Context) -> Reply:
    from jqcli.entrypoints.commands.backtest_verdict import judge_failed
    from jqcli.entrypoints.presenters import backtest_show
    from jqcli.entrypoints.presenters_verdict import merge_into_table, verdict_fields

    view = ctx.services.show_backtest().execute(ctx.args.backtest_id)
    data = backtest_show(view, ctx.args.backtest_id)
    d = view.detail
    judged = judge_failed(ctx, d.run_id or ctx.args.backtest_id, view.status, run_code=view.code)
    if judged is not None:
        data.update(verdict_fields(judged))
    return merge_into_table(_readable(data), judged)


def stats_command(ctx: Context) -> Reply:
    from jqcli.entrypoints.presenters import backtest_stats

    out = ctx.services.read_backtest_stats().execute(ctx.args.backtest_id)
    return _readable(backtest_stats(out))


def result_command(ctx: Context) -> Reply:
    from jqcli.entrypoints.commands.backtest_views import curve_summary
    from jqcli.entrypoints.presenters import backtest_result

    args = ctx.args
    out = ctx.services.read_backtest_curves().execute(
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
    return curve_summary(backtest_result(out, read_all=args.all))


def logs_command(ctx: Context) -> Reply:
    from jqcli.entrypoints.presenters import backtest_logs

    args = ctx.args
    out = ctx.services.read_backtest_logs().execute(
        args.backtest_id, offset=args.offset, errors=args.error, read_all=args.all, max_pages=args.max_pages
    )
    if out.truncated:
        ctx.warn(f"已读到 --max-pages {args.max_pages} 页的上限,日志可能还有;用 --offset {out.next_offset} 继续读取")
    judged = None
    if args.error:  # branch fixa: the verdict of a failed run's error log
        from jqcli.domain.backtest import status_of
        from jqcli.entrypoints.commands.backtest_verdict import judge_error_log

        judged = judge_error_log(ctx, out.resolved_id, status_of(code=out.state), out.lines)
    if ctx.format != "json":
        text = "".join(line + "\n" for line in out.lines)
        if judged is not None:
            from jqcli.entrypoints.presenters_verdict import verdict_text

            text += "\n" + verdict_text(judged) + "\n"
        from jqcli.entrypoints.context import write_stream
        from jqcli.entrypoints.render import terminal_safe

        write_stream(ctx.stdio.stdout, terminal_safe(text))  # the log holds the strategy's own output
        return None
    data = backtest_logs(out, read_all=args.all)
    if judged is not None:
        from jqcli.entrypoints.presenters_verdict import verdict_fields

        data.update(verdict_fields(judged))
    return data


def rm_command(ctx: Context) -> Reply:
    args = ctx.args
    mode = _mode(args.compile)
    ctx.confirm(f"删除{mode.label}记录 {args.list_id}", yes=args.yes, details={"id": args.list_id, "mode": mode.name})
    from jqcli.entrypoints.presenters import backtest_deleted

    response = ctx.services.delete_backtest().execute(args.list_id, mode)
    return backtest_deleted(args.list_id, mode.name, response)
