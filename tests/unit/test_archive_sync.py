"""SyncCommunity against fakes: incremental, resumable, enrichment, failures, seeds."""

from __future__ import annotations

from jqcli.application.archive_options import SeedFile, SyncOptions
from jqcli.application.archive_sync import SyncCommunity
from jqcli.domain.archive import has_stats
from jqcli.domain.errors import NetworkError, NotAuthenticated
from tests.unit.community_fakes import FakeClock, FakeFeed, FakePostArchive, FakeState, make_post


def sync(feed, archive, state, **options):
    options.setdefault("page_size", 10)
    options.setdefault("retry_sleep", 0)
    return SyncCommunity(feed, archive, state, FakeClock()).run(SyncOptions(**options))


def complete(archive) -> bool:
    return all(
        r.get("detail_fetched_at") and (not r["backtest"]["id"] or has_stats(r)) for r in archive.records.values()
    )


def test_first_sync_archives_every_post_with_detail_and_stats() -> None:
    feed, archive, state = (
        FakeFeed(45, pinned=[make_post(900, top=True, published="2019-01-01 00:00:00")]),
        FakePostArchive(),
        FakeState(),
    )
    summary = sync(feed, archive, state)
    assert summary.posts_added == 46 and len(archive) == 46 and complete(archive)
    assert summary.details_filled == 46 and summary.stats_filled == 46 and summary.stopped_by == "end"
    assert state.data["coverage"]["bottom"] == ""


def test_second_sync_adds_nothing_and_reads_one_page() -> None:
    feed, archive, state = FakeFeed(45), FakePostArchive(), FakeState()
    sync(feed, archive, state)
    puts, feed.calls[:] = archive.puts, []
    summary = sync(feed, archive, state)
    assert summary.posts_added == 0 and archive.puts == puts and summary.stopped_by == "caught_up"
    assert feed.calls == [("list", 1)]


def test_interrupted_backfill_resumes_below_and_picks_up_new_posts() -> None:
    feed, archive, state = FakeFeed(100), FakePostArchive(), FakeState()
    first = sync(feed, archive, state, max_pages=2, skip_detail=True, skip_stats=True)
    assert first.stopped_by == "max_pages" and len(archive) == 20
    for n in range(101, 106):
        feed.publish(n)
    second = sync(feed, archive, state, skip_detail=True, skip_stats=True)
    assert second.stopped_by == "end" and set(archive.records) == {p.id for p in feed.posts}
    assert second.pages < 11 + 2  # jumped over the pages of the first run


def test_failed_details_are_recorded_and_retried_next_run() -> None:
    feed, archive, state = FakeFeed(5), FakePostArchive(), FakeState()
    bad = feed.posts[2].id
    feed.fail_detail[bad] = NetworkError("连接被重置")
    summary = sync(feed, archive, state, retries=1)
    assert summary.detail_failures == 1 and archive.records[bad]["detail_error"]["attempts"] == 1
    assert ("detail", bad) in feed.calls and feed.calls.count(("detail", bad)) == 2  # one retry
    del feed.fail_detail[bad]
    summary = sync(feed, archive, state)
    assert summary.details_filled == 1 and "detail_error" not in archive.records[bad] and complete(archive)


def test_stats_not_ready_stays_pending() -> None:
    feed, archive, state = FakeFeed(3), FakePostArchive(), FakeState()
    feed.stats_missing.add("bt2")
    summary = sync(feed, archive, state, retries=0)
    assert summary.stats_failures == 1 and archive.records["uk00002"]["stats_error"]["code"] == "not_ready"
    feed.stats_missing.clear()
    assert sync(feed, archive, state).stats_filled == 1 and complete(archive)


def test_caps_and_skips_limit_enrichment() -> None:
    feed, archive, state = FakeFeed(30), FakePostArchive(), FakeState()
    summary = sync(feed, archive, state, max_detail=5, skip_stats=True)
    assert summary.details_filled == 5 and summary.stats_filled == 0
    assert not any(call[0] == "stats" for call in feed.calls)


def test_list_error_is_reported_and_progress_kept() -> None:
    feed, archive, state = FakeFeed(50), FakePostArchive(), FakeState()
    feed.fail_pages[3] = NotAuthenticated("聚宽要求登录")
    summary = sync(feed, archive, state, skip_detail=True, skip_stats=True)
    assert summary.stopped_by == "error" and summary.list_error["code"] == "not_authenticated"
    assert len(archive) == 20
    del feed.fail_pages[3]
    assert sync(feed, archive, state, skip_detail=True, skip_stats=True).stopped_by == "end"
    assert len(archive) == 50


def test_seed_is_imported_once_and_legacy_ids_merge_with_live_posts() -> None:
    feed, archive, state = FakeFeed(3), FakePostArchive(), FakeState()
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
    feed, archive, state = FakeFeed(3), FakePostArchive(), FakeState()
    sync(feed, archive, state, skip_stats=True)
    legacy = dict(make_post(2).item, id="rotating-old-id", view_count=-1, list_fetched_at="2020-01-01 00:00:00")
    del legacy["post_id"]
    seed = SeedFile(path="old.jsonl", identity="v1", records=lambda: [legacy])
    summary = sync(feed, archive, state, seeds=(seed,), skip_stats=True)
    assert set(archive.records) == {"uk00001", "uk00002", "uk00003"}
    merged = archive.records["uk00002"]
    assert merged["view_count"] == 2 and merged["legacy_ids"] == ["rotating-old-id"] and summary.seeded == 1
