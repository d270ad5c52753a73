"""``jqcli community archive``: the phases of the spec's archive script on top of SyncCommunity.

- ``sync``: list + detail + stats into ``--store`` (state ``<store>.state.json``);
  old output files (``--list-out``/``--enriched-out``) and ``--seed`` files are
  imported once first;
- ``list``: list fields only, into ``--list-out``;
- ``enrich``: ``--list-out`` imported into ``--enriched-out``, plus backtest stats
  (no list paging, no details), as the old two-phase script did;
- ``all``: ``list`` then ``enrich``.
The summary goes to stdout as JSON; progress to stderr on a TTY.  A list walk
that failed, or a site that is down (the circuit breaker), still saves everything
it did, prints the summary, then exits with the error's code (network_error for
the breaker).  Damage found in the store (unreadable lines, lines with wrongly
typed fields, fewer posts than the state recorded) is warned about on stderr and
reported in the summary.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from jqcli.domain.errors import ERROR_CLASSES, ApiError, JqcliError, NetworkError, UsageError

if TYPE_CHECKING:
    import argparse

    from jqcli.application.ports import StoreHealth
    from jqcli.application.sync_options import SyncOptions
    from jqcli.entrypoints.context import Context, Reply

STATE_SUFFIX = ".state.json"
DEFAULT_STORE = "data/community_posts_archive.jsonl"
RESUME_HINT = "进度已保存;再次运行同一命令会从断点继续"


def default_state(output: str) -> str:
    """``data/x.jsonl`` → ``data/x.state.json`` (the spec's example)."""
    stem = output[: -len(".jsonl")] if output.endswith(".jsonl") else output
    return stem + STATE_SUFFIX


def run_archive(ctx: Context) -> Reply:
    import sys

    # Worker threads mostly wait on sockets; a shorter GIL switch interval lets a thread whose
    # answer arrived run at once instead of waiting up to 5 ms behind the writer (measured:
    # see tests/bench/archive_throughput.py).
    sys.setswitchinterval(0.0005)
    args = ctx.args
    phase = args.phase
    _check_combination(args)
    if phase == "sync":
        seeds = list(args.seed) + [p for p in (args.list_out, args.enriched_out) if os.path.isfile(p)]
        store = args.store or DEFAULT_STORE
        return _finish(ctx, {"phase": "sync", **_run_phase(ctx, store, args.state, seeds=seeds)})
    results: Dict[str, Any] = {"phase": phase}
    if phase in ("list", "all"):
        list_state = args.state if phase == "list" and args.state else None
        results["list"] = _run_phase(ctx, args.list_out, list_state, seeds=args.seed, skip_detail=True, skip_stats=True)
        if results["list"].get("list_error"):
            return _finish(ctx, results)
    if phase in ("enrich", "all"):
        if not os.path.isfile(args.list_out):
            from jqcli.domain.errors import FileError

            raise FileError(f"找不到列表文件: {args.list_out}", hint="先运行 --phase list,或用 --list-out 指定")
        enrich_state = args.state if phase == "enrich" and args.state else None
        results["enrich"] = _run_phase(
            ctx, args.enriched_out, enrich_state, seeds=[args.list_out], walk_list=False, skip_detail=True
        )
    return _finish(ctx, results)


def _check_combination(args: argparse.Namespace) -> None:
    """Options that would be ignored by the chosen phase are refused: nothing is written where the user did not say."""
    for option in ("store", "state", "list_out", "enriched_out"):
        if getattr(args, option) == "":
            flag = "--" + option.replace("_", "-")
            raise UsageError(
                f"{flag} 不能为空", details={"option": flag}, hint=f"给 {flag} 一个文件路径,或不传它用默认值"
            )
    if args.store is not None and args.phase != "sync":
        raise UsageError(
            f"--store 只用于 --phase sync(统一归档);--phase {args.phase} 写入 --list-out / --enriched-out",
            details={"phase": args.phase, "store": args.store},
            hint="统一归档请加 --phase sync;两阶段模式请用 --list-out / --enriched-out 指定输出文件",
        )
    if args.state and args.phase == "all":
        raise UsageError(
            "--phase all 有两个阶段,各自的状态文件由输出文件名推出,不能共用一个 --state",
            details={"phase": "all", "state": args.state},
            hint="分别运行 --phase list --state … 和 --phase enrich --state …,或去掉 --state",
        )
    if args.page_budget is not None and args.phase == "enrich":
        raise UsageError("--page-budget 只用于翻列表的阶段(sync、list、all)", details={"phase": "enrich"})


def _options(ctx: Context, seeds: List[str], **overrides: Any) -> SyncOptions:
    from jqcli.application.sync_options import SyncOptions
    from jqcli.domain.timeparse import parse_until

    args = ctx.args
    seed_files = [ctx.services.seed_file(path) for path in dict.fromkeys(os.path.abspath(p) for p in seeds)]
    values: Dict[str, Any] = {
        "page_size": args.page_size,
        "until": parse_until(args.until),
        "max_pages": args.max_pages,
        "page_budget": args.page_budget,
        "page_sleep": args.page_sleep,
        "list_type": args.list_type,
        "detail_workers": args.detail_workers,
        "stats_workers": args.backtest_workers,
        "skip_detail": args.skip_detail,
        "skip_stats": args.skip_backtest,
        "max_detail": args.max_detail,
        "max_stats": args.max_backtest,
        "retries": args.retries,
        "retry_sleep": args.retry_sleep,
        "seeds": tuple(seed_files),
        "force": args.force,
        "resume": args.resume,
    }
    for key, value in overrides.items():
        values[key] = values[key] or value if key.startswith("skip_") else value
    return SyncOptions(**values)


def _run_phase(
    ctx: Context, store_path: str, state_path: Optional[str], *, seeds: List[str], **overrides: Any
) -> Dict[str, Any]:
    from jqcli.entrypoints.presenters_community import archive_progress_line, archive_summary

    state_path = state_path or default_state(store_path)
    ctx.services.check_state_file(state_path)
    options = _options(ctx, [s for s in seeds if os.path.realpath(s) != os.path.realpath(store_path)], **overrides)
    started = time.monotonic()
    # open under the store's lock (a second sync on the same store fails here), closed at the end
    with ctx.services.archive_session(store_path, state_path) as session:
        try:
            report = session.sync.execute(
                options,
                lambda p: ctx.progress(archive_progress_line(p)),
                opened=lambda health: _warn_damage(ctx, health),
            )
        except JqcliError as exc:  # interrupted: say where the progress is
            exc.details.update(store=store_path, state=state_path)
            raise
        finally:
            ctx.end_progress()
        if report.summary.store_damage:
            ctx.warn(f"存档的帖子比状态文件记录的少或有损坏行:{report.summary.store_damage['action']}")
        result = archive_summary(report, options, store=store_path, state=state_path)
    result["elapsed_seconds"] = round(time.monotonic() - started, 3)
    return result


def _warn_damage(ctx: Context, health: StoreHealth) -> None:
    """Unreadable lines (backed up) and leniently read lines are warned about on stderr before the run."""
    if health.corrupt_lines:
        ctx.warn(
            f"存档有 {health.corrupt_lines} 行无法读取,已原样备份到 {health.corrupt_backup};"
            "整理存档时会去掉这些行,本次运行会重新抓取可能丢失的帖子"
        )
    if health.repaired_lines:
        fields = ", ".join(health.repaired_fields)
        ctx.warn(f"存档有 {health.repaired_lines} 行的字段类型不对({fields}),已按缺失处理后继续")


def _finish(ctx: Context, results: Dict[str, Any]) -> Reply:
    error = _first_error(results)
    if error is None:
        return results
    from jqcli.entrypoints.render import dump_json

    ctx.stdio.stdout.write(dump_json(results) + "\n")  # the summary is printed even when the walk failed
    ctx.stdio.stdout.flush()
    raise error


def _first_error(results: Dict[str, Any]) -> Optional[JqcliError]:
    for part in (results, results.get("list"), results.get("enrich")):
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("list_error"), dict):
            return _error_for(part["list_error"], part)
        if isinstance(part.get("site_down"), dict):
            return _site_down_error(part)
    return None


def _resume_details(part: Dict[str, Any]) -> Dict[str, Any]:
    keys = ("store", "state", "pending_detail", "pending_stats", "store_posts")
    return {key: part[key] for key in keys if key in part}


def _error_for(info: Dict[str, Any], part: Dict[str, Any]) -> JqcliError:
    classes: Dict[str, Tuple[type, ...]] = {cls.code: (cls,) for cls in ERROR_CLASSES}
    cls = classes.get(str(info.get("code")), (ApiError,))[0]
    details = dict(info.get("details") or {})
    details.update(_resume_details(part))
    details.setdefault("hint", "已保存的进度不会丢失,修复后再次运行会从断点继续;未补齐的详情/指标下次运行继续")
    error: JqcliError = cls(f"归档列表翻页失败: {info.get('message')}", details=details)
    return error


def _site_down_error(part: Dict[str, Any]) -> JqcliError:
    info = part["site_down"]
    details: Dict[str, Any] = dict(info)
    details.update(_resume_details(part))
    details["hint"] = f"站点恢复后再次运行同一命令即可继续;{RESUME_HINT}"
    pending = int(part.get("pending_detail") or 0) + int(part.get("pending_stats") or 0)
    return NetworkError(
        f"聚宽连续 {info.get('consecutive_failures')} 次请求失败(网络错误、超时或 5xx),已停止本次归档;"
        f"还有 {pending} 个详情/指标待补",
        details=details,
    )
