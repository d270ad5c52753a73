"""``jqcli backtest cancel <id>``: one cancel POST, then verify that the run stopped (protocol.md §9.2).

Registered into the ``backtest`` group by ``commands/backtest.py``.  Exit 0 when the run was seen to
stop (``confirmed: true``), 10 (``cancel_unconfirmed``) when the site accepted the cancel but the run
was still seen running when the verification time ran out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict

from jqcli.entrypoints.argtypes import backtest_id, positive_float

if TYPE_CHECKING:
    from jqcli.application.cancel import CancelOutcome
    from jqcli.entrypoints.context import Context, Reply
    from jqcli.entrypoints.parser import SubParsers

ID_HELP = "回测 id(run 返回的 id,或 ls 返回的 id)"


def register(sub: SubParsers) -> None:
    cancel = sub.add_parser(
        "cancel",
        help="取消正在运行的回测,并确认它确实停止",
        description="从详情页取得运行 id 和 token,发送一次取消请求(从不重试、从不重发),\n"
        "然后检查回测是否真的停止(任务状态、runTimeInfo 的 cancelTime、statistics 的运行列表),\n"
        "输出 confirmed: true|false。站点接受了取消但回测仍在运行时退出码为 10(cancel_unconfirmed)。\n"
        "非交互模式下需要 --yes。",
    )
    cancel.add_argument("backtest_id", type=backtest_id, metavar="BACKTEST_ID", help=ID_HELP)
    cancel.add_argument("-y", "--yes", action="store_true", help="确认取消")
    cancel.add_argument(
        "--verify-timeout",
        type=positive_float,
        default=30.0,
        metavar="SECONDS",
        help="取消后最多检查多少秒(默认 30)",
    )
    cancel.set_defaults(handler=cancel_command)


def cancel_output(outcome: CancelOutcome) -> Dict[str, Any]:
    after = outcome.after
    return {
        "id": outcome.target.given,
        "run_id": outcome.target.run_id,
        "name": outcome.target.name,
        "accepted": outcome.accepted,
        "confirmed": outcome.confirmed,
        "status": after.status,
        "status_before": outcome.before.status,
        "cancel_time": after.cancel_time,
        "listed_running": after.listed_running,
        "checks": outcome.checks,
        "waited_seconds": outcome.waited,
        "response": outcome.response,
    }


def cancel_command(ctx: Context) -> Reply:
    from jqcli.entrypoints.commands.backtest import _readable
    from jqcli.entrypoints.exit_codes import OUTCOME_EXIT_CODES

    args = ctx.args
    ctx.confirm(f"取消回测 {args.backtest_id}", yes=args.yes, details={"id": args.backtest_id})
    outcome = ctx.services.cancel_backtest().execute(args.backtest_id, verify_timeout=args.verify_timeout)
    data = cancel_output(outcome)
    view = _readable(data, metrics=False)
    if not outcome.confirmed:
        ctx.warn(
            f"聚宽接受了取消请求,但 {outcome.waited:g} 秒内回测仍显示为运行中(状态 {data['status']});"
            f"取消请求不会重发。稍后用 jqcli backtest show {args.backtest_id} 或 jqcli account quota 查看"
        )
        view.exit_status = OUTCOME_EXIT_CODES["cancel_unconfirmed"]
    return view
