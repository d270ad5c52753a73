"""``jqcli community archive``: the phases of the spec's archive script on top of SyncCommunity.

- ``sync``: list + detail + stats into ``--store`` (state ``<store>.state.json``);
  old output files (``--list-out``/``--enriched-out``) and ``--seed`` files are
  imported once first;
- ``list``: list fields only, into ``--list-out``;
- ``enrich``: ``--list-out`` imported into ``--enriched-out``, plus backtest stats
  (no list paging, no details), as the old two-phase script did;
- ``all``: ``list`` then ``enrich``.
The summary goes to stdout as JSON; progress to stderr on a TTY.  A list walk
that failed still saves everything it did, prints the summary, then exits with
the error's code.
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List, Optional, Tuple

from jqcli.domain.errors import ERROR_CLASSES, ApiError, JqcliError

STATE_SUFFIX = ".state.json"


def default_state(output: str) -> str:
    """``data/x.jsonl`` → ``data/x.state.json`` (the spec's example)."""
    stem = output[: -len(".jsonl")] if output.endswith(".jsonl") else output
    return stem + STATE_SUFFIX


def run_archive(ctx):  # type: ignore[no-untyped-def]
    import sys

    # Worker threads mostly wait on sockets; a shorter GIL switch interval lets a thread whose
    # answer arrived run at once instead of waiting up to 5 ms behind the writer (measured:
    # see tests/bench/archive_throughput.py).
    sys.setswitchinterval(0.0005)
    args = ctx.args
    phase = args.phase
    if phase == "sync":
        seeds = list(args.seed) + [p for p in (args.list_out, args.enriched_out) if os.path.isfile(p)]
        return _finish(ctx, {"phase": "sync", **_run_phase(ctx, args.store, args.state, seeds=seeds)})
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


def _options(ctx, seeds: List[str], **overrides):  # type: ignore[no-untyped-def]
    from jqcli.adapters.archive.files import read_jsonl, seed_identity
    from jqcli.application.archive_options import SeedFile, SyncOptions
    from jqcli.domain.timeparse import parse_until

    args = ctx.args
    seed_files = []
    for path in dict.fromkeys(os.path.abspath(p) for p in seeds):
        seed_files.append(SeedFile(path=path, identity=seed_identity(path), records=lambda p=path: read_jsonl(p)))
    values = {
        "page_size": args.page_size,
        "until": parse_until(args.until),
        "max_pages": args.max_pages,
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
    }
    for key, value in overrides.items():
        values[key] = values[key] or value if key.startswith("skip_") else value
    return SyncOptions(**values)


def _run_phase(ctx, store_path: str, state_path: Optional[str], *, seeds: List[str], **overrides) -> Dict[str, Any]:  # type: ignore[no-untyped-def]
    from jqcli.domain.archive import NEEDS_DETAIL, NEEDS_STATS
    from jqcli.domain.backfill import Coverage

    state_path = state_path or default_state(store_path)
    options = _options(ctx, [s for s in seeds if os.path.abspath(s) != os.path.abspath(store_path)], **overrides)
    archive = ctx.services.post_archive(store_path)
    state = ctx.services.sync_state(state_path)
    case = ctx.services.sync_community(archive, state)  # wired (and imported) first: the clock times the sync
    started = time.monotonic()
    archive.open()  # takes the lock: a second sync on the same store fails here
    try:
        if ctx.args.force:
            archive.close(compact=False)
            archive.remove_files()
            state.remove()
            archive = ctx.services.post_archive(store_path).open()
            case = ctx.services.sync_community(archive, state)
        if not ctx.args.resume:
            saved = dict(state.load())
            saved.pop("coverage", None)
            state.save(saved)
        torn = archive.torn_bytes
        try:
            summary = case.run(options, report=lambda p: ctx.progress(_progress_line(p)))
        finally:
            ctx.end_progress()
        coverage = Coverage.from_dict(state.load().get("coverage"))
        result = {
            "store": store_path,
            "state": state_path,
            **summary.as_dict(),
            "store_posts": len(archive),
            "pending_detail": 0 if options.skip_detail else len(archive.pending(NEEDS_DETAIL)),
            "pending_stats": 0 if options.skip_stats else len(archive.pending(NEEDS_STATS)),
            "complete": len(coverage.segments) <= 1 and coverage.bottom is not None,
            "torn_bytes_repaired": torn,
        }
    finally:
        archive.close()
    result["elapsed_seconds"] = round(time.monotonic() - started, 3)
    return result


def _progress_line(p: Dict[str, Any]) -> str:
    return (
        f"列表 {p['pages']} 页 · 新增 {p['posts_added']} · 详情 {p['details_filled']}(待 {p['pending_detail']})"
        f" · 指标 {p['stats_filled']}(待 {p['pending_stats']}) · 失败 {p['failures']} · 共 {p['store_posts']} 篇"
    )


def _finish(ctx, results: Dict[str, Any]):  # type: ignore[no-untyped-def]
    error = _first_error(results)
    if error is None:
        return results
    from jqcli.entrypoints.render import dump_json

    ctx.stdio.stdout.write(dump_json(results) + "\n")  # the summary is printed even when the walk failed
    ctx.stdio.stdout.flush()
    raise error


def _first_error(results: Dict[str, Any]) -> Optional[JqcliError]:
    for part in (results, results.get("list"), results.get("enrich")):
        if isinstance(part, dict) and isinstance(part.get("list_error"), dict):
            info = part["list_error"]
            return _error_for(info)
    return None


def _error_for(info: Dict[str, Any]) -> JqcliError:
    classes: Dict[str, Tuple[type, ...]] = {cls.code: (cls,) for cls in ERROR_CLASSES}
    cls = classes.get(str(info.get("code")), (ApiError,))[0]
    details = dict(info.get("details") or {})
    details.setdefault("hint", "已保存的进度不会丢失,修复后再次运行会从断点继续")
    error: JqcliError = cls(f"归档列表翻页失败: {info.get('message')}", details=details)
    return error
