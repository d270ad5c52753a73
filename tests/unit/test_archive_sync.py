"""SyncCommunity against fakes: incremental, resumable, enrichment, failures, seeds."""

from __future__ import annotations

import logging

import pytest

from jqcli.application.ports import StoreHealth
from jqcli.application.sync_community import SyncCommunity
from jqcli.application.sync_options import SeedFile, SyncOptions, SyncReport
from jqcli.domain.archive import has_stats
from jqcli.domain.errors import ApiError, Interrupted, NetworkError, NotAuthenticated
from tests.fakes import FakeClock, FakeCommunityFeed, FakePostArchive, FakeSyncState, make_post


def sync(feed, archive, state, **options):
    return run(feed, archive, state, **options).summary


def run(feed, archive, state, **options) -> SyncReport:
    options.setdefault("page_size", 10)
    options.setdefault("retry_sleep", 0)
    clock = FakeClock(1_777_000_000.0, advance=False)
    return SyncCommunity(feed, archive, state, clock).execute(SyncOptions(**options))


class SteppingClock(FakeClock):
    """Time moves a second per reading, so that progress reports happen."""

    def monotonic(self) -> float:
        self.t += 1
        return self.t


def complete(archive) -> bool:
    return all(
        r.get("detail_fetched_at") and (not r["backtest"]["id"] or has_stats(r)) for r in archive.records.values()
    )


def test_first_sync_archives_every_post_with_detail_and_stats() -> None:
    feed, archive, state = (
        FakeCommunityFeed(45, pinned=[make_post(900, top=True, published="2019-01-01 00:00:00")]),
        FakePostArchive(),
        FakeSyncState(),
    )
    summary = sync(feed, archive, state)
    assert summary.posts_added == 46 and len(archive) == 46 and complete(archive)
    assert summary.details_filled == 46 and summary.stats_filled == 46 and summary.stopped_by == "end"
    assert state.data["coverage"]["bottom"] == ""


def test_second_sync_adds_nothing_and_reads_one_page() -> None:
    feed, archive, state = FakeCommunityFeed(45), FakePostArchive(), FakeSyncState()
    sync(feed, archive, state)
    puts, feed.calls[:] = archive.puts, []
    summary = sync(feed, archive, state)
    assert summary.posts_added == 0 and archive.puts == puts and summary.stopped_by == "caught_up"
    assert feed.calls == [("list", 1)]


def test_interrupted_backfill_resumes_below_and_picks_up_new_posts() -> None:
    feed, archive, state = FakeCommunityFeed(100), FakePostArchive(), FakeSyncState()
    first = sync(feed, archive, state, max_pages=2, skip_detail=True, skip_stats=True)
    assert first.stopped_by == "max_pages" and len(archive) == 20
    for n in range(101, 106):
        feed.publish(n)
    second = sync(feed, archive, state, skip_detail=True, skip_stats=True)
    assert second.stopped_by == "end" and set(archive.records) == {p.id for p in feed.posts}
    assert second.pages < 11 + 2  # jumped over the pages of the first run


def test_failed_details_are_recorded_and_retried_next_run() -> None:
    feed, archive, state = FakeCommunityFeed(5), FakePostArchive(), FakeSyncState()
    bad = feed.posts[2].id
    feed.fail_detail[bad] = NetworkError("连接被重置")
    summary = sync(feed, archive, state, retries=1)
    assert summary.detail_failures == 1 and archive.records[bad]["detail_error"]["attempts"] == 1
    assert ("detail", bad) in feed.calls and feed.calls.count(("detail", bad)) == 2  # one retry
    del feed.fail_detail[bad]
    summary = sync(feed, archive, state)
    assert summary.details_filled == 1 and "detail_error" not in archive.records[bad] and complete(archive)


def test_stats_not_ready_stays_pending() -> None:
    feed, archive, state = FakeCommunityFeed(3), FakePostArchive(), FakeSyncState()
    feed.stats_missing.add("bt2")
    summary = sync(feed, archive, state, retries=0)
    assert summary.stats_failures == 1 and archive.records["uk00002"]["stats_error"]["code"] == "not_ready"
    feed.stats_missing.clear()
    assert sync(feed, archive, state).stats_filled == 1 and complete(archive)


def test_caps_and_skips_limit_enrichment() -> None:
    feed, archive, state = FakeCommunityFeed(30), FakePostArchive(), FakeSyncState()
    summary = sync(feed, archive, state, max_detail=5, skip_stats=True)
    assert summary.details_filled == 5 and summary.stats_filled == 0
    assert not any(call[0] == "stats" for call in feed.calls)


def test_list_error_is_reported_and_progress_kept() -> None:
    feed, archive, state = FakeCommunityFeed(50), FakePostArchive(), FakeSyncState()
    feed.fail_pages[3] = NotAuthenticated("聚宽要求登录")
    summary = sync(feed, archive, state, skip_detail=True, skip_stats=True)
    assert summary.stopped_by == "error" and summary.list_error["code"] == "not_authenticated"
    assert len(archive) == 20
    del feed.fail_pages[3]
    assert sync(feed, archive, state, skip_detail=True, skip_stats=True).stopped_by == "end"
    assert len(archive) == 50


def test_seed_is_imported_once_and_legacy_ids_merge_with_live_posts() -> None:
    feed, archive, state = FakeCommunityFeed(3), FakePostArchive(), FakeSyncState()
    legacy = dict(make_post(2).item, id="rotating-old-id", content="旧正文", detail_fetched_at="2020-01-01 00:00:00")
    del legacy["post_id"]
    reads = []

    def records():
        reads.append(1)
        return [legacy]

    seed = SeedFile(path="old.jsonl", identity="v1", records=records)
    summary = sync(feed, archive, state, seeds=(seed,), skip_stats=True)
    assert summary.seeded == 1 and set(archive.records) == {"uk00001", "uk00002", "uk00003"}
    merged = archive.records["uk00002"]
    assert merged["content"] == "旧正文" and merged["legacy_ids"] == ["rotating-old-id"]
    sync(feed, archive, state, seeds=(seed,), skip_stats=True)
    assert reads == [1]  # imported once


def test_legacy_seed_after_the_live_post_merges_into_it_without_overwriting_fresher_data() -> None:
    feed, archive, state = FakeCommunityFeed(3), FakePostArchive(), FakeSyncState()
    sync(feed, archive, state, skip_stats=True)
    legacy = dict(make_post(2).item, id="rotating-old-id", view_count=-1, list_fetched_at="2020-01-01 00:00:00")
    del legacy["post_id"]
    seed = SeedFile(path="old.jsonl", identity="v1", records=lambda: [legacy])
    summary = sync(feed, archive, state, seeds=(seed,), skip_stats=True)
    assert set(archive.records) == {"uk00001", "uk00002", "uk00003"}
    merged = archive.records["uk00002"]
    assert merged["view_count"] == 2 and merged["legacy_ids"] == ["rotating-old-id"] and summary.seeded == 1


# -- circuit breaker, interrupts, damage, no-op runs (issue 10) ---------------------------------


def backlog(count: int):
    """A store holding ``count`` posts with neither detail nor stats yet, and its state."""
    feed, archive, state = FakeCommunityFeed(count), FakePostArchive(), FakeSyncState()
    sync(feed, archive, state, skip_detail=True, skip_stats=True)
    feed.calls[:] = []
    return feed, archive, state


def test_site_down_for_details_opens_the_breaker_instead_of_trying_every_post() -> None:
    feed, archive, state = backlog(40)
    feed.down = NetworkError("连接超时")
    summary = sync(feed, archive, state, walk_list=False, retries=2, breaker_threshold=5)
    fetches = [call for call in feed.calls if call[0] in ("detail", "stats")]
    # Five failed attempts open it; at most the requests already handed out (2 × 4 workers per kind) run after.
    assert 5 <= len(fetches) <= 5 + 16, len(fetches)  # before: 40 posts × 3 attempts, details and stats
    assert summary.site_down is not None and summary.site_down["consecutive_failures"] == 5
    assert summary.site_down["last_error"]["code"] == "network_error"
    assert state.data["store_posts"] == 40 and "coverage" in state.data  # progress saved
    assert all("detail_error" not in r or r["detail_error"]["attempts"] == 1 for r in archive.records.values())


def test_answers_that_are_not_outages_do_not_open_the_breaker() -> None:
    feed, archive, state = backlog(12)
    for post in feed.posts:
        feed.fail_detail[post.id] = NotAuthenticated("聚宽要求登录")  # the site answered
    summary = sync(feed, archive, state, retries=0, breaker_threshold=2)
    assert summary.site_down is None and summary.detail_failures == 12


def test_http_5xx_counts_as_an_outage() -> None:
    feed, archive, state = backlog(30)
    feed.down = ApiError("聚宽返回 HTTP 503", details={"status": 503})
    summary = sync(
        feed, archive, state, walk_list=False, retries=0, breaker_threshold=3, detail_workers=1, stats_workers=1
    )
    assert summary.site_down is not None and summary.site_down["last_error"]["details"]["status"] == 503
    assert len(feed.calls) <= 3 + 4  # three failures, then at most what was already handed out


def test_a_failed_list_walk_stops_the_pending_details() -> None:
    feed, archive, state = backlog(100)
    feed.fail_pages[1] = NetworkError("连接被拒绝")
    summary = sync(feed, archive, state, detail_workers=1, stats_workers=1)
    assert summary.stopped_by == "error" and summary.list_error["code"] == "network_error"
    details = [call for call in feed.calls if call[0] == "detail"]
    assert len(details) < 30, len(details)  # before: every one of the 100 pending posts


def test_ctrl_c_saves_progress_and_raises_one_interrupted_with_resume_details(caplog) -> None:
    feed, archive, state = FakeCommunityFeed(60), FakePostArchive(), FakeSyncState()
    seen = []

    def report(progress) -> None:
        seen.append(progress)
        if len(seen) == 3:
            raise KeyboardInterrupt  # what the CLI's SIGINT/SIGTERM/SIGHUP handling raises

    case = SyncCommunity(feed, archive, state, SteppingClock())
    with pytest.raises(Interrupted) as caught:
        case.execute(SyncOptions(page_size=10, retry_sleep=0), report=report)
    details = caught.value.details
    assert {"pending_detail", "pending_stats", "store_posts", "hint"} <= set(details)
    assert state.data["store_posts"] == len(archive) > 0 and state.data["coverage"]["segments"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no CancelledError tracebacks
    final = sync(feed, archive, state)
    assert final.stopped_by in ("end", "caught_up") and complete(archive) and len(archive) == 60


def test_a_store_with_fewer_posts_than_its_state_reads_the_list_again() -> None:
    feed, archive, state = FakeCommunityFeed(57), FakePostArchive(), FakeSyncState()
    sync(feed, archive, state)
    assert state.data["store_posts"] == 57
    for key in list(archive.records)[10:30]:
        del archive.records[key]  # the store lost 20 posts; the state still says complete
    summary = sync(feed, archive, state)
    assert summary.store_damage is not None and summary.store_damage["expected_posts"] == 57
    assert summary.store_damage["found_posts"] == 37 and summary.posts_added == 20
    assert len(archive) == 57 and complete(archive)


def test_unreadable_lines_also_make_the_run_read_the_list_again() -> None:
    feed, archive, state = FakeCommunityFeed(25), FakePostArchive(), FakeSyncState()
    sync(feed, archive, state)
    del archive.records["uk00003"]
    state.data.pop("store_posts")  # a state written before the count was recorded
    archive.found = StoreHealth(corrupt_lines=1, corrupt_backup="x.corrupt")  # what opening the store found
    summary = sync(feed, archive, state)
    assert summary.store_damage["unreadable_lines"] == 1 and summary.posts_added == 1 and len(archive) == 25


def test_a_sync_that_changes_nothing_writes_no_state() -> None:
    feed, archive, state = FakeCommunityFeed(45), FakePostArchive(), FakeSyncState()
    sync(feed, archive, state)
    saves, puts = state.saves, archive.puts
    summary = sync(feed, archive, state)
    assert summary.posts_added == 0 and state.saves == saves and archive.puts == puts


def test_wrongly_typed_seed_fields_are_read_leniently() -> None:
    feed, archive, state = FakeCommunityFeed(3), FakePostArchive(), FakeSyncState()
    bad = dict(make_post(2).item, legacy_ids=5, author="x", detail_error={"attempts": "many"})
    seed = SeedFile(path="old.jsonl", identity="v1", records=lambda: [bad])
    summary = sync(feed, archive, state, seeds=(seed,))
    assert summary.seeded == 1 and len(archive) == 3 and complete(archive)


def test_a_wrongly_typed_state_is_read_leniently() -> None:
    feed, archive, state = FakeCommunityFeed(12), FakePostArchive(), FakeSyncState()
    state.data = {"seeds": ["x"], "coverage": "all", "store_posts": "many"}
    seed = SeedFile(path="old.jsonl", identity="v1", records=lambda: [])
    summary = sync(feed, archive, state, seeds=(seed,))
    assert summary.posts_added == 12 and summary.store_damage is None and state.data["seeds"] == {"old.jsonl": "v1"}


class DurableArchive(FakePostArchive):
    """Remembers which posts a flush has made durable."""

    def __init__(self) -> None:
        super().__init__()
        self.durable: set = set()

    def flush(self) -> None:
        super().flush()
        self.durable = set(self.records)


class CheckedState(FakeSyncState):
    """Checks, at every save, that the posts its coverage claims are durable in the archive."""

    def __init__(self, archive: DurableArchive, feed: FakeCommunityFeed) -> None:
        super().__init__()
        self.archive, self.feed, self.checked = archive, feed, 0

    def save(self, state) -> None:
        for segment in (state.get("coverage") or {}).get("segments", ()):
            claimed = {p.id for p in self.feed.posts if segment["low"] <= p.item["published_at"] <= segment["high"]}
            assert claimed <= self.archive.durable, sorted(claimed - self.archive.durable)[:5]
            self.checked += 1
        super().save(state)


@pytest.mark.parametrize("seconds", [0.0, 1.0, 5.0])
def test_the_saved_coverage_never_claims_posts_that_are_not_durable(seconds) -> None:
    feed = FakeCommunityFeed(95)
    archive = DurableArchive()
    state = CheckedState(archive, feed)
    options = SyncOptions(page_size=10, retry_sleep=0, checkpoint_seconds=seconds, skip_detail=True, skip_stats=True)
    summary = SyncCommunity(feed, archive, state, SteppingClock()).execute(options).summary
    assert summary.pages == 11 and len(archive.records) == 95 and state.checked > 0  # the 11th page is empty
    assert archive.flushed <= summary.pages + 3  # one per page at most (+ list end, seeds, close), never per record


# -- the run's lifecycle: --force, --no-resume, the report -----------------------------------------


def test_force_empties_the_store_and_the_state_before_the_run() -> None:
    feed, archive, state = FakeCommunityFeed(25), FakePostArchive(), FakeSyncState()
    sync(feed, archive, state)
    archive.records["stale"] = {"id": "stale"}
    report = run(feed, archive, state, force=True)
    assert archive.resets == 1 and "stale" not in archive.records
    assert report.summary.posts_added == 25 and report.store_posts == 25 and report.complete


def test_no_resume_drops_only_the_coverage_and_walks_from_page_one_again() -> None:
    feed, archive, state = FakeCommunityFeed(25), FakePostArchive(), FakeSyncState()
    sync(feed, archive, state)
    first_walk = [c for c in feed.calls if c[0] == "list"]
    state.data["seeds"] = {"kept": "1"}
    feed.calls.clear()
    sync(feed, archive, state, skip_detail=True, skip_stats=True)
    assert [c for c in feed.calls if c[0] == "list"] == [("list", 1)]  # resumed: page 1 says nothing is new
    feed.calls.clear()
    run(feed, archive, state, resume=False, skip_detail=True, skip_stats=True)
    assert [c for c in feed.calls if c[0] == "list"] == first_walk
    assert state.data["seeds"] == {"kept": "1"} and state.data["coverage"]


def test_the_report_tells_the_store_health_before_the_run_and_the_temps_removed() -> None:
    feed, archive, state = FakeCommunityFeed(5), FakePostArchive(), FakeSyncState()
    archive.found = StoreHealth(torn_bytes=7, removed_temps=(".a.compact.tmp",))
    state.stale_temps = [".s.1.abcdef01.tmp"]
    told = []
    case = SyncCommunity(feed, archive, state, FakeClock(1_777_000_000.0, advance=False))
    report = case.execute(
        SyncOptions(page_size=10, skip_stats=True), opened=lambda health: told.append(len(feed.calls))
    )
    assert told == [0]  # before any request
    assert report.health.torn_bytes == 7 and report.removed_temps == (".a.compact.tmp", ".s.1.abcdef01.tmp")
    assert report.pending_stats == 0 and report.pending_detail == 0 and report.store_posts == 5
