"""SyncCommunity: the incremental, gap-free, crash-safe community archive.

One run:
1. imports ``--seed`` files not imported before (merge rules: never overwrite fresher data);
2. walks the list from page 1 with ``ListWalk`` (gap-free, resumes an interrupted
   backfill) in a lister thread, while
3. worker threads fetch missing details and backtest stats (one shared session /
   connection pool) for new posts first, then for the backlog, newest first.
The calling thread is the only writer: it merges every result into the archive,
fsyncs, and only then saves the coverage to the state file, so a crash at any
moment loses at most work that the next run redoes.  Failed details/stats are
recorded on the record and retried by the next run; they are never "done".
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping
from typing import Any, Callable, Dict, Optional, Sequence, Set, Tuple

import attrs

from jqcli.application.archive_damage import store_damage
from jqcli.application.archive_workers import CircuitBreaker, WorkerPool
from jqcli.application.enrichment import EnrichmentQueue
from jqcli.application.ports import Clock, CommunityFeed, PostArchive, StoreHealth, SyncStateStore
from jqcli.application.sync_options import SyncOptions, SyncReport, SyncSummary
from jqcli.domain.archive import (
    NEEDS_DETAIL,
    NEEDS_STATS,
    backtest_id,
    clean_record,
    detail_fragment,
    failure,
    is_legacy,
    list_fragment,
    merge,
    natural_key,
    needs,
    seed_record,
    stats_fragment,
    worth_writing,
)
from jqcli.domain.backfill import Coverage, ListWalk
from jqcli.domain.community import LatestQuery, Post
from jqcli.domain.errors import Interrupted, JqcliError
from jqcli.domain.timeparse import format_timestamp

STATE_VERSION = 1


@attrs.frozen
class SyncCommunity:
    """The use case, on an archive already opened (and locked); ``execute`` once per archive/state pair.

    The whole run's lifecycle is here, in this order: ``--force`` (store and state deleted, the lock
    kept), stale temp files removed, the store's health told to ``opened`` (before any request),
    ``--no-resume`` (the coverage dropped from the state), the run itself (every checkpoint flushes the
    archive before it saves the state), then the report of what the store holds.
    """

    feed: CommunityFeed
    archive: PostArchive
    state: SyncStateStore
    clock: Clock

    def execute(
        self,
        options: SyncOptions,
        report: Callable[[Dict[str, Any]], None] = lambda _: None,
        *,
        opened: Callable[[StoreHealth], None] = lambda _: None,
    ) -> SyncReport:
        if options.force:
            self.archive.reset()
            self.state.reset()
        health = self.archive.health()
        removed = tuple(health.removed_temps) + tuple(self.state.remove_stale_temps())
        opened(health)
        if not options.resume:
            saved = dict(self.state.load())
            if saved.pop("coverage", None) is not None:
                self.state.save(saved)
        options = attrs.evolve(options, damaged_lines=health.corrupt_lines)
        summary = _Run(self, options, report).execute()
        covered = self.state.load().get("coverage")
        coverage = Coverage.from_dict(covered if isinstance(covered, Mapping) else None)
        return SyncReport(
            summary=summary,
            store_posts=len(self.archive),
            pending_detail=0 if options.skip_detail else len(self.archive.pending(NEEDS_DETAIL)),
            pending_stats=0 if options.skip_stats else len(self.archive.pending(NEEDS_STATS)),
            complete=coverage.complete(options.until) and not (summary.list_error or summary.site_down),
            health=health,
            removed_temps=removed,
        )


class _Run:
    """One run's mutable bookkeeping (the writer side)."""

    def __init__(self, case: SyncCommunity, options: SyncOptions, report: Callable[[Dict[str, Any]], None]) -> None:
        self.case, self.options, self.report = case, options, report
        self.archive, self.clock = case.archive, case.clock
        self.summary = SyncSummary()
        self.state: Dict[str, Any] = dict(case.state.load())
        self.inbox: queue.Queue[Tuple[str, Any]] = queue.Queue()
        self.stop = threading.Event()
        self.pages_in_flight = threading.Semaphore(2)
        limits = {NEEDS_DETAIL: 2 * max(1, options.detail_workers), NEEDS_STATS: 2 * max(1, options.stats_workers)}
        skipped = {NEEDS_DETAIL: options.skip_detail, NEEDS_STATS: options.skip_stats}
        self.queue = EnrichmentQueue(
            {flag: limit for flag, limit in limits.items() if not skipped[flag]},
            {NEEDS_DETAIL: options.max_detail, NEEDS_STATS: options.max_stats},
        )
        self.lister_done = not options.walk_list
        self.breaker = CircuitBreaker(options.breaker_threshold)
        self.saved = _comparable(self.state)
        self.tried: Dict[int, Set[str]] = {NEEDS_DETAIL: set(), NEEDS_STATS: set()}  # fetched once this run
        self.last_report = 0.0
        self.coverage: Optional[Coverage] = None  # of the last list page stored, saved at the next checkpoint
        self.last_flush = clock_now = case.clock.monotonic()
        self.started = clock_now

    # -- orchestration ---------------------------------------------------------------------------
    def execute(self) -> SyncSummary:
        pools: Dict[int, WorkerPool] = {}
        try:
            self._check_store()
            self._import_seeds()
            pools[NEEDS_DETAIL] = WorkerPool(self.options.detail_workers, "jq-detail")
            pools[NEEDS_STATS] = WorkerPool(self.options.stats_workers, "jq-stats")
            self._fill_backlog()
            if self.options.walk_list:
                threading.Thread(target=self._lister, name="jq-list", daemon=True).start()
            self._writer_loop(pools)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM/SIGHUP turned into KeyboardInterrupt by the CLI
            self.stop.set()
            self._drain_inbox(pages=False)  # the interrupt may have cut a page's posts short: no later coverage
            self._checkpoint()
            details = dict(self.progress(), hint="进度已保存;再次运行同一命令会从断点继续")
            raise Interrupted("已中断;已保存的进度下次运行会继续", details=details) from None
        finally:
            self.stop.set()
            for pool in pools.values():
                pool.close()  # requests still on the wire are abandoned, never waited for
        if self.breaker.opened is not None:
            self.summary.site_down = dict(self.breaker.opened)
        self._drain_inbox()
        self._checkpoint()
        return self.summary

    def _writer_loop(self, pools: Dict[int, WorkerPool]) -> None:
        while not self.stop.is_set():
            self._submit(pools)
            if self.lister_done and not self.queue.has_work():
                break
            try:
                kind, payload = self.inbox.get(timeout=0.5)
            except queue.Empty:
                continue
            self._handle(kind, payload)
            self._maybe_checkpoint()

    def _handle(self, kind: str, payload: Any) -> None:
        if kind == "page":
            posts, coverage = payload
            now = format_timestamp(self.clock.now())  # one stamp per page: the page was read at once
            for post in posts:
                self._store_list_post(post, now)
            # Every post of the page is in the store, not yet durable: the coverage is saved by the next
            # checkpoint, after the flush that makes them so (one flush per second at most, not per page).
            self.coverage = coverage
            self.summary.pages += 1
            self.summary.requests += 1
            self.pages_in_flight.release()
        elif kind == "list_end":
            reason, error = payload
            self.summary.stopped_by = reason
            self.summary.list_error = error
            self.lister_done = True
            self._checkpoint()
            if error is not None:
                self.stop.set()  # the site failed the walk: pending details/stats wait for the next run
        elif kind in ("detail", "stats"):
            self._store_enrichment(kind, *payload)

    # -- list ------------------------------------------------------------------------------------
    def _lister(self) -> None:
        options = self.options
        walk = ListWalk(
            Coverage.from_dict(self.state.get("coverage")),
            page_size=options.page_size,
            until=options.until,
            max_pages=options.max_pages,
            page_budget=options.page_budget,
        )
        query = LatestQuery(page_size=options.page_size, list_type=options.list_type)
        page_number: Optional[int] = 1
        reason, error = "", None
        try:
            while page_number is not None and not self.stop.is_set():
                self.pages_in_flight.acquire()
                page = self.case.feed.list_page(query, page_number)
                step = walk.observe(page)
                self.inbox.put(("page", (step.posts, walk.coverage)))
                page_number, reason = step.next_page, step.reason
                if page_number is not None and options.page_sleep > 0:
                    self.clock.sleep(options.page_sleep)
            if self.stop.is_set() and page_number is not None:
                reason = "interrupted"
        except JqcliError as exc:
            self.breaker.failure(exc)
            reason, error = "error", {"code": exc.code, "message": exc.message, "details": exc.details}
        except Exception as exc:  # noqa: BLE001 - reported to the writer, which re-raises nothing
            reason, error = "error", {"code": "internal_error", "message": f"{type(exc).__name__}: {exc}"}
        self.inbox.put(("list_end", (reason, error)))

    def _store_list_post(self, post: Post, now: str) -> None:
        incoming = list_fragment(post.item, now)
        old = self.archive.get(post.id)
        replaces: Sequence[str] = ()
        if old is None:
            legacy_key = self.archive.find_natural(natural_key(incoming))
            legacy = self.archive.get(legacy_key) if legacy_key else None
            if legacy_key and legacy is not None and is_legacy(legacy):
                old, replaces = legacy, (legacy_key,)
                known = old.get("legacy_ids")
                old["legacy_ids"] = sorted(set((known if isinstance(known, list) else []) + [legacy_key]))
                old["id"] = post.id
        merged = merge(old, incoming)
        if old is not None and not replaces and not worth_writing(old, merged, now):
            return
        self.archive.put(merged, replaces=replaces)
        if old is None:
            self.summary.posts_added += 1
        else:
            self.summary.posts_updated += 1
        self.queue.want(post.id, needs(merged), front=True)

    # -- seeds -----------------------------------------------------------------------------------
    def _import_seeds(self) -> None:
        known = self.state.get("seeds")
        imported = dict(known) if isinstance(known, Mapping) else {}  # a hand-edited state is read leniently
        for seed in self.options.seeds:
            if imported.get(seed.path) == seed.identity:
                continue  # imported once already
            for raw in seed.records():
                if isinstance(raw, Mapping) and raw.get("id"):
                    self._import_record(seed_record(clean_record(raw)[0]))
            self.archive.flush()
            imported[seed.path] = seed.identity
            self.state["seeds"] = imported
            self._save_state()

    def _import_record(self, record: Dict[str, Any]) -> None:
        key = str(record["id"])
        old = self.archive.get(key)
        if old is None and is_legacy(record):
            match = self.archive.find_natural(natural_key(record))
            if match:
                key, old = match, self.archive.get(match)
                record = dict(record, id=match, legacy_ids=[record["id"]])
        merged = merge(old, record)
        if old is not None and merged == old:
            return
        self.archive.put(merged)
        self.summary.seeded += 1

    # -- enrichment ------------------------------------------------------------------------------
    def _fill_backlog(self) -> None:
        for flag in (NEEDS_DETAIL, NEEDS_STATS):
            self.queue.extend(flag, self.archive.pending(flag))

    def _submit(self, pools: Dict[int, WorkerPool]) -> None:
        for flag, pool in pools.items():
            key = self.queue.take(flag)
            while key is not None:
                task = self._task_for(flag, key)
                if task is not None:
                    self.queue.start(flag, key)
                    pool.submit(task)
                key = self.queue.take(flag)

    def _task_for(self, flag: int, key: str) -> Optional[Callable[[], None]]:
        if key in self.tried[flag]:
            return None  # answered once this run (a failure is retried by the next run)
        if flag == NEEDS_DETAIL:
            return lambda: self._fetch("detail", key, lambda: self.case.feed.post_detail(key))
        record = self.archive.get(key)
        bt_id = backtest_id(record) if record else ""
        if not bt_id or not (needs(record or {}) & NEEDS_STATS):
            return None
        return lambda: self._fetch("stats", key, lambda: self.case.feed.backtest_stats(bt_id))

    def _fetch(self, kind: str, key: str, call: Callable[[], Any]) -> None:
        """Worker side: the request with ``--retries`` retries; the result goes to the writer."""
        error: Optional[JqcliError] = None
        for attempt in range(self.options.retries + 1):
            if self.stop.is_set():
                error = Interrupted("已中断")
                break
            try:
                result = call()
                self.breaker.success()
                self.inbox.put((kind, (key, result, None, attempt + 1)))
                return
            except JqcliError as exc:
                error = exc
            except Exception as exc:  # noqa: BLE001 - a worker must always answer the writer
                error = JqcliError(f"{type(exc).__name__}: {exc}")
            if self.breaker.failure(error):
                self.stop.set()  # the site is down: stop the run instead of trying every pending post
                self.inbox.put(("wake", None))
                error = Interrupted("站点不可用,已停止")
                break
            if self.stop.is_set():
                error = Interrupted("已中断")
                break
            if attempt < self.options.retries:
                self.clock.sleep(self.options.retry_sleep * (attempt + 1))
        self.inbox.put((kind, (key, None, error, self.options.retries + 1)))

    def _store_enrichment(self, kind: str, key: str, result: Any, error: Optional[JqcliError], attempts: int) -> None:
        flag = NEEDS_DETAIL if kind == "detail" else NEEDS_STATS
        self.queue.finish(flag, key)
        self.summary.requests += attempts
        if isinstance(error, Interrupted):
            return
        self.tried[flag].add(key)
        old = self.archive.get(key)
        now = format_timestamp(self.clock.now())
        if error is None and kind == "detail":
            fragment = detail_fragment(key, result.post, now)
        elif error is None and result:
            fragment = stats_fragment(key, result, now)
        else:
            code = error.code if error else "not_ready"
            message = error.message if error else "回测指标暂不可用(data 为空)"
            fragment = failure(key, kind, message=message, code=code, at=now, previous=old)
        merged = merge(old, fragment)
        self.archive.put(merged)
        failed = f"{kind}_error" in fragment
        if kind == "detail":
            self.summary.details_filled += 0 if failed else 1
            self.summary.detail_failures += 1 if failed else 0
            self.queue.want(key, needs(merged) & NEEDS_STATS, front=True)
        else:
            self.summary.stats_filled += 0 if failed else 1
            self.summary.stats_failures += 1 if failed else 0

    # -- durability and progress -----------------------------------------------------------------
    def _maybe_checkpoint(self) -> None:
        now = self.clock.monotonic()
        if now - self.last_flush >= self.options.checkpoint_seconds:
            self._checkpoint()
            self.last_flush = now
        if now - self.last_report >= 0.2:
            self.last_report = now
            self.report(self.progress())

    def progress(self) -> Dict[str, Any]:
        data = self.summary.as_dict()
        data["pending_detail"] = self.queue.pending(NEEDS_DETAIL)
        data["pending_stats"] = self.queue.pending(NEEDS_STATS)
        data["store_posts"] = len(self.archive)
        return data

    def _checkpoint(self) -> None:
        """Make the stored posts durable, then save the coverage they complete (in that order)."""
        self.archive.flush()
        if self.coverage is not None:
            self.state["coverage"] = self.coverage.to_dict()
        self._save_state()

    def _save_state(self) -> None:
        """Save the state if it changed (a run that changes nothing writes no file)."""
        self.state["version"] = STATE_VERSION
        self.state["store_posts"] = len(self.archive)  # durable: every caller flushed the archive first
        comparable = _comparable(self.state)
        if comparable == self.saved:
            return
        self.state["updated_at"] = format_timestamp(self.clock.now())
        self.case.state.save(self.state)
        self.saved = comparable

    def _drain_inbox(self, *, pages: bool = True) -> None:
        """Store the results that already arrived (requests still in flight are not waited for)."""
        kinds = ("detail", "stats", "page") if pages else ("detail", "stats")
        while True:
            try:
                kind, payload = self.inbox.get_nowait()
            except queue.Empty:
                return
            if kind in kinds:
                self._handle(kind, payload)

    def _check_store(self) -> None:
        damage = store_damage(self.state, len(self.archive), self.options.damaged_lines, self.options.walk_list)
        if damage is not None:
            self.state.pop("coverage", None)  # read the list again, so that lost posts come back
            self.state.pop("seeds", None)  # and import the seeds again
            self.summary.store_damage = damage


def _comparable(state: Mapping[str, Any]) -> Dict[str, Any]:
    return {key: value for key, value in state.items() if key != "updated_at"}
