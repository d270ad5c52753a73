"""The spec's JSON of ``community latest|detail|clone`` and the archive's progress line.

The post and reply objects themselves are the archive's record schema (``jqcli.domain.archive``), built
by the JoinQuant adapter; this module arranges them with the walk's totals into each command's output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Mapping

if TYPE_CHECKING:
    from jqcli.application.community import Discussion, PostReading
    from jqcli.application.sync_options import SyncOptions, SyncReport
    from jqcli.domain.clone import CloneCheck, CloneResult
    from jqcli.domain.community import LatestProgress, LatestQuery

Json = Dict[str, Any]


def latest_summary(progress: LatestProgress, query: LatestQuery) -> Json:
    """The aggregate keys shared by the ``latest`` JSON result and its ``done`` event."""
    from jqcli.domain.community import STOP_END, STOP_SINCE_ID, STOP_UNTIL

    return {
        "page_size": query.page_size,
        "pages_read": progress.pages_read,
        "max_pages": query.effective_max_pages,
        "until": query.until_raw,
        "since_id": query.since_id,
        "stopped_by_until": progress.stop == STOP_UNTIL,
        "stopped_by_since_id": progress.stop == STOP_SINCE_ID,
        "total_count": progress.total_count,
        "curr_time": progress.curr_time,
        "reached_end": progress.stop == STOP_END,
        "duplicates_skipped": progress.duplicates,
        "next_since_id": progress.newest_id or query.since_id,
    }


def discussion_view(d: Discussion) -> Json:
    return {
        "items": list(d.items),
        "bounty_items": list(d.bounty_items),
        "start_page": d.start_page,
        "pages_read": d.pages_read,
        "max_pages": d.max_pages,
        "total_count": d.total_count,
        "can_choose_best": d.can_choose_best,
        "is_faq": d.is_faq,
        "curr_time": d.curr_time,
    }


def post_reading(reading: PostReading) -> Json:
    """``community detail``: ``post``, ``strategy`` (backtest, research, file) and ``discussion``."""
    strategy: Json = {
        "backtest": dict(reading.backtest),
        "research": dict(reading.research),
        "file": dict(reading.file),
    }
    return {"post": dict(reading.post), "strategy": strategy, "discussion": discussion_view(reading.discussion)}


def clone_check(check: CloneCheck) -> Json:
    """``community clone`` without ``--yes``: the check (the secret only as ``secret_present``)."""
    from jqcli.domain.clone import CHECK_HINT, check_facts

    return {**check_facts(check), "execute": False, "hint": CHECK_HINT}


def clone_result(result: CloneResult) -> Json:
    """``community clone --yes``: what it cost and the new strategy's id."""
    from jqcli.domain.clone import RULE_KEY

    check, outcome = result.check, result.outcome
    data: Json = {
        "ok": True,
        "execute": True,
        "post_id": check.post_id,
        "backtest_id": check.backtest_id,
        "reply_id": check.reply_id,
        "rule_key": RULE_KEY,
        "reason": check.reason,
        "cost": result.cost,
        "amount_before": check.amount,
        "strategy_id": result.strategy_id,
        "url": outcome.url,
        "redirect": outcome.redirect,
        "source_present": outcome.source_present,
        "credits": outcome.credits,
    }
    if result.from_check:
        data["from_check"] = True
    return data


def archive_progress_line(p: Mapping[str, object]) -> str:
    """The archive's one-line progress on stderr (a TTY only)."""
    return (
        f"列表 {p['pages']} 页 · 新增 {p['posts_added']} · 详情 {p['details_filled']}(待 {p['pending_detail']})"
        f" · 指标 {p['stats_filled']}(待 {p['pending_stats']}) · 失败 {p['failures']} · 共 {p['store_posts']} 篇"
    )


def archive_summary(report: SyncReport, options: SyncOptions, *, store: str, state: str) -> Json:
    """One phase of ``community archive``: the run's counters and what the store holds after it."""
    health = report.health
    data: Json = {
        "store": store,
        "state": state,
        **report.summary.as_dict(),  # the counters, as each progress report carries them
        "store_posts": report.store_posts,
        "pending_detail": report.pending_detail,
        "pending_stats": report.pending_stats,
        "complete": report.complete,
        "torn_bytes_repaired": health.torn_bytes,
    }
    if health.corrupt_lines:
        data.update(corrupt_lines=health.corrupt_lines, corrupt_backup=health.corrupt_backup)
    if health.repaired_lines:
        data.update(repaired_lines=health.repaired_lines, repaired_fields=list(health.repaired_fields))
    if report.removed_temps:
        data["temp_files_removed"] = list(report.removed_temps)
    note = stop_note(report.summary.stopped_by, options)
    if note:
        data["note"] = note
    return data


def stop_note(stopped_by: str, options: SyncOptions) -> str:
    """Why the list walk stopped short of the end, when a limit stopped it."""
    if stopped_by == "max_pages":
        return (
            f"已到 --max-pages {options.max_pages} 的页码上限:比第 {options.max_pages} 页更早的帖子"
            "需提高 --max-pages(或去掉它)才能读到"
        )
    if stopped_by == "page_budget":
        return f"本次已读满 --page-budget {options.page_budget} 页新内容;再次运行会从断点继续往下补"
    return ""
