"""``jqcli strategy pull/push/diff``: strategies as local files with a conflict guard (issue 13 item 7).

Registered into the ``strategy`` group by ``commands.strategy``.  ``track_run_file`` is the hook of
``backtest run --file``: a tracked file's manifest hash follows the code the run saved.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple

from jqcli.entrypoints.parser import complete_path

if TYPE_CHECKING:
    from jqcli.application.localfiles import FileOutcome
    from jqcli.application.run_backtest import Pushed
    from jqcli.entrypoints.context import Context, Reply
    from jqcli.entrypoints.parser import SubParsers

TARGET_HELP = "策略 id 或唯一的策略名称(可给多个)"
DIR_COMPLETE = {"bash": "_shtab_compgen_dirs", "zsh": "_files -/"}


def register(sub: SubParsers) -> None:
    pull = sub.add_parser(
        "pull",
        help="把策略拉取为本地 .py 文件(附带清单,用于推送时检测冲突)",
        description="把策略源码写成 DIR 下的 <策略名>.py(逐字节一致),并在 DIR/.jqcli-manifest.json 记录\n"
        "策略 id、名称和拉取时源码的 sha256。已存在且不是 jqcli 拉取的文件、或有未推送修改的文件不会被覆盖。",
    )
    pull.add_argument("strategies", metavar="STRATEGY", nargs="*", help=TARGET_HELP)
    pull.add_argument("--all", action="store_true", help="拉取账号下的全部策略")
    dir_arg = pull.add_argument("--dir", metavar="DIR", default=".", help="写入的目录(默认当前目录;不存在时创建)")
    setattr(dir_arg, "complete", DIR_COMPLETE)  # noqa: B010 - shtab reads it
    pull.add_argument("--force", action="store_true", help="覆盖未跟踪或有本地修改的文件")
    pull.set_defaults(handler=pull_command)

    push = sub.add_parser(
        "push",
        help="把本地文件推送回策略(站点代码在拉取后被改过时拒绝并给出 diff)",
        description="只有当站点上的代码仍是拉取(或上次推送)时的代码才保存;否则拒绝(退出码 7,\n"
        "confirmation_required),details.diff 给出站点代码到本地文件的统一 diff,且不保存任何文件。\n"
        "--force 强制覆盖。推送是写操作,从不自动重试。",
    )
    complete_path(push.add_argument("files", metavar="FILE", nargs="+", help="strategy pull 写出的 .py 文件"))
    push.add_argument("--force", action="store_true", help="站点代码已被修改时仍用本地文件覆盖")
    push.set_defaults(handler=push_command)

    diff = sub.add_parser(
        "diff",
        help="比较本地文件与站点上的策略代码",
        description="输出站点代码到本地文件的统一 diff 和同步状态:\n"
        "same(一致)、local_changed(只有本地改了)、site_changed(只有站点改了)、both_changed(都改了)。",
    )
    complete_path(diff.add_argument("file", metavar="FILE", help="strategy pull 写出的 .py 文件"))
    diff.set_defaults(handler=diff_command)


def _location(ctx: Context, path: str) -> Tuple[str, str]:
    full = os.path.abspath(os.path.join(ctx.cwd, os.path.expanduser(path)))
    return os.path.dirname(full), os.path.basename(full)


def _item(outcome: FileOutcome) -> Dict[str, Any]:
    t = outcome.tracked
    return {
        "file": t.file,
        "path": os.path.join(outcome.folder, t.file),
        "action": outcome.action,
        "strategy_id": t.strategy_id,
        "name": t.name,
        "save_id": t.save_id,
        "code_hash": t.code_hash,
    }


_COLUMNS = [("file", "文件"), ("action", "操作"), ("name", "策略"), ("strategy_id", "ID")]


def pull_command(ctx: Context) -> Reply:
    from jqcli.domain.localfiles import MANIFEST_NAME
    from jqcli.entrypoints.render import Result, Table

    args = ctx.args
    folder = os.path.abspath(os.path.join(ctx.cwd, os.path.expanduser(args.dir)))
    done = ctx.services.pull_strategies().execute(args.strategies, folder, every=args.all, force=args.force)
    rows = [_item(outcome) for outcome in done]
    data = {"dir": folder, "manifest": os.path.join(folder, MANIFEST_NAME), "items": rows}
    return Result(data, table=Table(_COLUMNS, rows, footer=f"共 {len(rows)} 个文件,目录 {folder}"))


def push_command(ctx: Context) -> Reply:
    from jqcli.entrypoints.render import Result, Table

    args = ctx.args
    locations = [_location(ctx, path) for path in args.files]
    done = ctx.services.push_strategies().execute(locations, force=args.force)
    rows = [_item(outcome) for outcome in done]
    saved = sum(outcome.action != "unchanged" for outcome in done)
    data = {"ok": True, "saved": saved, "items": rows}
    return Result(data, table=Table(_COLUMNS, rows, footer=f"保存了 {saved} 个文件"))


def diff_command(ctx: Context) -> Reply:
    folder, file = _location(ctx, ctx.args.file)
    outcome = ctx.services.diff_strategy().execute(folder, file)
    t = outcome.tracked
    data = {
        "file": t.file,
        "path": os.path.join(folder, t.file),
        "strategy_id": t.strategy_id,
        "name": t.name,
        "state": outcome.state,
        "local_hash": outcome.local_hash,
        "site_hash": outcome.site_hash,
        "base_hash": t.code_hash,
        "diff": outcome.diff,
    }
    if ctx.format == "json" or getattr(ctx.args, "fields", None):
        return data
    out = ctx.stdio.stdout
    out.write(f"# {t.file}: {outcome.state}\n")
    out.write(outcome.diff)
    out.flush()
    return None


def track_run_file(ctx: Context, code: Optional[str], pushed: Optional[Pushed]) -> Optional[Dict[str, Any]]:
    """After ``backtest run --file`` saved ``code``: move a tracked file's manifest hash to it.

    Never fails the run (it already started): a manifest that cannot be read or written is a warning.
    """
    from jqcli.domain.errors import FileError, UsageError

    path = getattr(ctx.args, "file", None)
    if not path or code is None or pushed is None:
        return None
    folder, file = _location(ctx, path)
    try:
        entry = ctx.services.track_run_push().execute(
            folder, file, code, pushed_id=pushed.id, pushed_name=pushed.name, save_id=pushed.save_id
        )
    except (FileError, UsageError) as exc:
        ctx.warn(f"回测已提交,但未能更新 {file} 的清单: {exc.message}")
        return None
    if entry is None:
        return None
    return {"file": os.path.join(folder, file), "code_hash": entry.code_hash}
