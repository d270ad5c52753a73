"""``jqcli strategy …``: ls, show, new, edit, rm (spec: Strategy API).

``<strategy>`` is an id (any id the site issued keeps working) or a unique
strategy name.  Nothing heavy is imported at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jqcli.entrypoints.argtypes import positive_int
from jqcli.entrypoints.codeio import add_code_options, check_output_target, read_code, write_output
from jqcli.entrypoints.parser import add_subcommands, builds_any, complete_path

if TYPE_CHECKING:
    import argparse

    from jqcli.entrypoints.context import Context, Reply

TARGET_HELP = "策略 id(strategy ls 的 id;旧 id 仍然有效)或唯一的策略名称"


def register(parser: argparse.ArgumentParser) -> None:
    sub = add_subcommands(parser, dest="command")

    ls = sub.add_parser("ls", help="列出策略(含所有分页和文件夹)", description="列出当前账号的全部策略。")
    ls.add_argument("--sort", choices=("name", "created", "updated"), default="updated", help="本地排序(默认 updated)")
    ls.add_argument("--limit", type=positive_int, default=50, help="最多输出条数(默认 50)")
    ls.add_argument("--all", action="store_true", help="不按 --limit 截断")
    ls.set_defaults(handler=ls_command)

    show = sub.add_parser("show", help="查看策略详情与源码", description="查看策略详情。")
    show.add_argument("strategy", metavar="STRATEGY", help=TARGET_HELP)
    show.add_argument("--code", action="store_true", help="输出策略源码(table 格式下原样输出到 stdout)")
    complete_path(show.add_argument("--output", metavar="PATH", help="把源码写入文件(隐含 --code;逐字节一致)"))
    show.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    show.set_defaults(handler=show_command)

    new = sub.add_parser("new", help="新建策略", description="新建策略;不传源码时创建最小可运行模板。")
    new.add_argument("name", metavar="NAME", help="策略名称")
    add_code_options(new)
    new.add_argument("--type", choices=("stock", "futures"), default="stock", help="策略类型(默认 stock)")
    new.set_defaults(handler=new_command)

    edit = sub.add_parser("edit", help="修改策略名称或源码", description="修改策略名称或源码。")
    edit.add_argument("strategy", metavar="STRATEGY", help=TARGET_HELP)
    edit.add_argument("--name", help="新的策略名称")
    add_code_options(edit, what="新源码")
    edit.set_defaults(handler=edit_command)

    rm = sub.add_parser("rm", help="删除策略", description="删除策略(同名策略有多个时拒绝删除并列出候选)。")
    rm.add_argument("strategy", metavar="STRATEGY", help=TARGET_HELP)
    rm.add_argument("-y", "--yes", action="store_true", help="确认删除")
    rm.set_defaults(handler=rm_command)

    # pull/push/diff (issue 13 item 7): imported only when named, or when no known sub-command is
    if builds_any(sub, ("pull", "push", "diff")) or not builds_any(sub, ("ls", "show", "new", "edit", "rm")):
        from jqcli.entrypoints.commands import strategy_files

        strategy_files.register(sub)


# -- handlers ------------------------------------------------------------------------------------


def ls_command(ctx: Context) -> Reply:
    from jqcli.entrypoints.presenters import strategy_item
    from jqcli.entrypoints.render import Result, Table

    args = ctx.args
    if ctx.shows_progress:
        ctx.services.observe_pages(lambda n: ctx.progress(f"已读取 {n} 页策略列表…"), ("/algorithm/index/list",))
    try:
        items = ctx.services.list_strategies().execute(sort=args.sort, limit=None if args.all else args.limit)
    finally:
        ctx.end_progress()
    rows = [strategy_item(s) for s in items]
    columns = [
        ("name", "名称"),
        ("updated_at", "更新时间"),
        ("run_count", "编译"),
        ("backtest_count", "回测"),
        ("folder_id", "文件夹"),
        ("id", "ID"),
    ]
    return Result({"items": rows}, table=Table(columns, rows, footer=f"共 {len(rows)} 个策略"))


def show_command(ctx: Context) -> Reply:
    from jqcli.entrypoints.presenters import strategy_detail

    args = ctx.args
    target = check_output_target(ctx, args.output, force=args.force) if args.output is not None else None
    detail = ctx.services.show_strategy().execute(args.strategy)
    data = strategy_detail(detail, _output_id(args.strategy, detail.id))
    if target:
        data["output"] = target
        data["bytes"] = write_output(target, detail.code)
    if args.code or target:
        if ctx.format != "json" and not target:
            from jqcli.entrypoints.context import write_stream
            from jqcli.entrypoints.render import terminal_safe

            # byte for byte into a file or pipe; on a terminal, control characters (a cloned strategy's
            # ESC sequences) are shown, not obeyed
            on_terminal = ctx.stdio._isatty(ctx.stdio.stdout)
            write_stream(ctx.stdio.stdout, terminal_safe(detail.code) if on_terminal else detail.code)
            return None
        data["code"] = detail.code
    return data


def _output_id(requested: str, resolved: str) -> str:
    """The ``id`` to print: the id the user gave (old ids stay valid), or for a name the id it resolved to."""
    from jqcli.domain.ids import looks_like_id

    requested = requested.strip()
    return requested if looks_like_id(requested) else resolved


def new_command(ctx: Context) -> Reply:
    from jqcli.entrypoints.presenters import strategy_created

    args = ctx.args
    code = read_code(ctx)
    saved = ctx.services.create_strategy().execute(args.name, code)
    return strategy_created(saved, args.type)


def edit_command(ctx: Context) -> Reply:
    from jqcli.domain.errors import UsageError
    from jqcli.entrypoints.presenters import strategy_edited

    args = ctx.args
    code = read_code(ctx)
    if args.name is None and code is None:
        raise UsageError("没有要修改的内容:请传 --name、--file 或 --code-stdin 之一")
    saved = ctx.services.edit_strategy().execute(args.strategy, name=args.name, code=code)
    return strategy_edited(saved)


def rm_command(ctx: Context) -> Reply:
    from jqcli.entrypoints.presenters import strategy_deleted

    args = ctx.args
    ctx.confirm(f"删除策略 {args.strategy}", yes=args.yes, details={"id": args.strategy})
    deleted = ctx.services.delete_strategy().execute(args.strategy)
    return strategy_deleted(deleted, _output_id(args.strategy, deleted.id))
