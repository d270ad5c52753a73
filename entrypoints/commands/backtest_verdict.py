"""``jqcli backtest verdict`` and ``backtest wait``, and the verdict of failed runs in other outputs.

``run --wait``, ``wait``, ``show`` and ``logs --error`` add ``verdict``/``errors``/``warnings`` to the
output of a run that ended failed or cancelled (a finished run's output is unchanged); ``verdict``
judges any run.  ``--exit-status`` (``run --wait``, ``wait``) exits 9 after printing when the run ended
failed or cancelled.  Nothing heavy is imported at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional, Sequence

from jqcli.entrypoints.argtypes import backtest_id, positive_float, positive_int
from jqcli.entrypoints.parser import complete_path

if TYPE_CHECKING:
    import argparse

    from jqcli.application.run_backtest import RunOutcome
    from jqcli.application.verdicts import LocalSource, RunVerdict
    from jqcli.entrypoints.context import Context, Reply
    from jqcli.entrypoints.parser import SubParsers
    from jqcli.entrypoints.render import Result

EXIT_STATUS_HELP = "回测以失败或取消结束时以退出码 9 退出(结果照常输出);不加时仍以 0 退出"
LOCAL_FILE_HELP = "策略代码所在的本地文件:错误按它的路径和行号给出,并附上该行代码(不推送、不修改)"


def add_exit_status_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exit-status", action="store_true", help=EXIT_STATUS_HELP)


def register(sub: SubParsers) -> None:
    verdict = sub.add_parser(
        "verdict",
        help="判定回测结果:编译/导入/运行错误的位置、下单警告、无成交",
        description="读取回测的状态、错误日志和运行日志,给出判定 verdict:\n"
        "ok | compile_error | import_error | runtime_error | order_warnings | no_trades | cancelled | timeout。\n"
        "errors[] 给出异常、消息(原文)、阶段、函数、模拟时间和用户代码中最深的一帧;\n"
        "给出 --file 时错误按本地文件的路径和行号给出并附上该行代码。",
    )
    verdict.add_argument(
        "backtest_id", type=backtest_id, metavar="BACKTEST_ID", help="回测 id(run 返回的 id,或 ls 返回的 id)"
    )
    complete_path(verdict.add_argument("--file", metavar="PATH", help=LOCAL_FILE_HELP))
    verdict.add_argument(
        "--max-pages", type=positive_int, default=20, metavar="N", help="最多读取的运行日志页数(每页 100 行,默认 20)"
    )
    verdict.set_defaults(handler=verdict_command)

    wait = sub.add_parser(
        "wait",
        help="继续等待一个回测直到结束(run --wait 超时或中断后)",
        description="继续等待 run --wait 超时或被中断时输出的回测(id、list_id 或 run_id 均可),\n"
        "输出与 run --wait 相同;不会发起新的回测。",
    )
    wait.add_argument("backtest_id", metavar="BACKTEST_ID", help="回测 id(run --wait 超时或中断时输出的 id)")
    wait.add_argument("--compile", action="store_true", help="这是编译运行(编译运行没有指标,结束判定不同)")
    wait.add_argument(
        "--wait-timeout", type=positive_float, default=1800.0, metavar="SECONDS", help="最长等待秒数(默认 1800)"
    )
    wait.add_argument(
        "--poll-interval", type=positive_float, default=5.0, metavar="SECONDS", help="初始轮询间隔(默认 5,逐步放大)"
    )
    complete_path(wait.add_argument("--file", metavar="PATH", help=LOCAL_FILE_HELP))
    add_exit_status_option(wait)
    wait.set_defaults(handler=wait_command)


# -- shared with run / show / logs ---------------------------------------------------------------


def local_source(ctx: Context, code: Optional[str]) -> Optional[LocalSource]:
    """Where the code came from: ``--file`` (its path as given) or ``--code-stdin`` (``<stdin>``)."""
    from jqcli.application.verdicts import LocalSource

    if code is None:
        return None
    path = getattr(ctx.args, "file", None)
    return LocalSource(path or "<stdin>", code)


def judge_failed(
    ctx: Context,
    run_id: str,
    status: str,
    error_lines: Optional[Sequence[str]] = None,
    local: Optional[LocalSource] = None,
    *,
    run_code: Optional[str] = None,
) -> Optional[RunVerdict]:
    """The verdict of a run that ended failed or cancelled; None for any other status."""
    from jqcli.application.verdicts import failed_or_cancelled

    if not failed_or_cancelled(status):
        return None
    judged = ctx.services.judge_run().of_run(run_id, status, error_lines=error_lines, local=local, run_code=run_code)
    if judged.log_error:
        ctx.warn(f"运行日志读取失败({judged.log_error}),判定只依据错误日志")
    return judged


def judge_error_log(ctx: Context, run_id: str, status: str, lines: Sequence[str]) -> Optional[RunVerdict]:
    """``logs --error``: the verdict when the error log has lines or the run ended failed or cancelled."""
    from jqcli.domain.backtest import FAILED

    if any(str(line).strip() for line in lines) and status not in ("failed", "cancelled"):
        status = FAILED  # error lines without a terminal state (the site's /error gave no state)
    return judge_failed(ctx, run_id, status, tuple(lines))


def finish_run(
    ctx: Context, outcome: RunOutcome, data: Dict[str, Any], *, local: Optional[LocalSource] = None
) -> Result:
    """``run``/``wait`` output: the verdict of a failed run, its table view, and ``--exit-status``."""
    from jqcli.entrypoints.commands.backtest import _readable
    from jqcli.entrypoints.exit_codes import EXIT_RUN_FAILED
    from jqcli.entrypoints.presenters_verdict import merge_into_table, verdict_fields

    judged = None
    if outcome.waited:
        try:
            judged = judge_failed(ctx, outcome.run_id, outcome.status, outcome.error_logs, local)
        except KeyboardInterrupt:  # the run has ended: say so, and how to read the verdict again
            from jqcli.domain.errors import Interrupted

            ids = outcome.resume_ids()
            raise Interrupted(
                f"已中断:回测已结束(状态 {outcome.status}),读取判定时被中断",
                details={**ids, "backtest_id": ids["id"], "status": outcome.status},
                hint=f"用 jqcli backtest verdict {ids['id']} 读取判定",
            ) from None
        if judged is not None:
            data.update(verdict_fields(judged))
    result = merge_into_table(_readable(data), judged)
    if getattr(ctx.args, "exit_status", False) and judged is not None:
        result.exit_status = EXIT_RUN_FAILED
    return result


# -- handlers ------------------------------------------------------------------------------------


def verdict_command(ctx: Context) -> Reply:
    import attrs

    from jqcli.entrypoints.codeio import read_code
    from jqcli.entrypoints.commands.backtest import _readable
    from jqcli.entrypoints.presenters_verdict import verdict_output, verdict_text

    args = ctx.args
    local = local_source(ctx, read_code(ctx))
    use_case = attrs.evolve(ctx.services.judge_run(), log_pages=args.max_pages)
    judged = use_case.execute(args.backtest_id, local=local)
    if judged.file_matches_run is False:
        ctx.warn(f"{judged.file} 与回测所用的源码不同:行号和代码按本地文件给出,可能对不上")
    data = verdict_output(args.backtest_id, judged)
    result = _readable(data)
    assert result.table is not None  # _readable always builds the field/value table
    keep = ("id", "run_id", "status", "file", "log_lines", "log_complete")
    result.table.rows = [row for row in result.table.rows if row["key"] in keep]
    result.table.preamble = verdict_text(judged, warning_lines=20)
    return result


def wait_command(ctx: Context) -> Reply:
    from jqcli.domain.backtest import mode_for
    from jqcli.domain.polling import WaitPolicy
    from jqcli.entrypoints.codeio import read_code
    from jqcli.entrypoints.presenters import run_output as _run_output

    args = ctx.args
    local = local_source(ctx, read_code(ctx))
    wait = WaitPolicy(poll_interval=args.poll_interval, timeout=args.wait_timeout)
    use_case = ctx.services.wait_backtest()
    progress = ctx.progress
    if ctx.shows_progress:
        import attrs

        from jqcli.entrypoints.commands.backtest_views import WaitTicker

        ticker = WaitTicker(ctx.progress, use_case.run.clock)
        use_case = attrs.evolve(use_case, run=attrs.evolve(use_case.run, clock=ticker))
        progress = ticker.progress
    try:
        outcome = use_case.execute(args.backtest_id, mode_for(args.compile), wait, progress=progress)
    finally:
        ctx.end_progress()
    data = _run_output(outcome)
    data.pop("response", None)  # nothing was built: there is no build response
    return finish_run(ctx, outcome, data, local=local)
