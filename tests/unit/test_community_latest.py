"""``community latest`` paging rules (pure) and the ListLatestPosts use case."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jqcli.application.community import ListLatestPosts
from jqcli.domain.community import LatestProgress, LatestQuery, Post, PostPage, scan_page
from jqcli.domain.errors import NetworkError, UsageError
from jqcli.domain.timeparse import format_timestamp, parse_until
from jqcli.entrypoints.presenters_community import latest_summary
from tests.fakes import FakeCommunityFeed, make_post


def page_of(*posts: Post, number: int = 1) -> PostPage:
    return PostPage(page=number, posts=tuple(posts), total_count=100)


def test_until_skips_old_pinned_post_without_stopping() -> None:
    old_pin = make_post(1, top=True, published="2020-01-01 00:00:00")
    fresh = make_post(2, published="2026-04-25 10:00:00")
    scan = scan_page(page_of(old_pin, fresh), query=LatestQuery(until="2026-04-25 00:00:00"), seen=set())
    assert [p.id for p in scan.emit] == [fresh.id] and scan.stop is None


def test_first_older_non_pinned_post_stops_and_is_excluded() -> None:
    posts = [make_post(3, published="2026-04-25 10:00:00"), make_post(2, published="2026-04-24 23:59:59")]
    scan = scan_page(page_of(*posts, make_post(1)), query=LatestQuery(until="2026-04-25 00:00:00"), seen=set())
    assert [p.id for p in scan.emit] == [posts[0].id] and scan.stop == "until"


def test_since_id_matches_the_stable_key_or_a_seen_alias_and_stops() -> None:
    posts = [make_post(3), make_post(2), make_post(1)]
    for cursor in (posts[1].id, posts[1].post_id):
        scan = scan_page(page_of(*posts), query=LatestQuery(since_id=cursor), seen=set())
        assert [p.id for p in scan.emit] == [posts[0].id] and scan.stop == "since_id"


def test_since_id_on_a_pinned_post_does_not_stop() -> None:
    pin, post = make_post(9, top=True), make_post(3)
    scan = scan_page(page_of(pin, post), query=LatestQuery(since_id=pin.id), seen=set())
    assert [p.id for p in scan.emit] == [post.id] and scan.stop is None


def test_duplicates_from_a_shifted_page_are_skipped() -> None:
    posts = [make_post(3), make_post(2)]
    scan = scan_page(page_of(*posts, number=2), query=LatestQuery(), seen={posts[0].id})
    assert [p.id for p in scan.emit] == [posts[1].id] and scan.duplicates == 1


def test_empty_page_ends_the_list() -> None:
    assert scan_page(page_of(), query=LatestQuery(), seen=set()).stop == "end"


def test_default_is_one_page_until_or_since_id_unbounded_max_pages_wins() -> None:
    assert LatestQuery().effective_max_pages == 1
    assert LatestQuery(until="2026-01-01 00:00:00").effective_max_pages is None
    assert LatestQuery(since_id="x").effective_max_pages is None
    assert LatestQuery(since_id="x", max_pages=3).effective_max_pages == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-25", "2026-04-25 00:00:00"),
        ("2026-04-25 12:00:00", "2026-04-25 12:00:00"),
        ("2026-04-25T12:30", "2026-04-25 12:30:00"),
        (None, None),
        ("", None),
    ],
)
def test_until_accepts_dates_and_datetimes(text, expected) -> None:
    assert parse_until(text) == expected


@pytest.mark.parametrize("text", ["2026-13-01", "yesterday", "2026/04/25", "2026-04-25 25:00:00"])
def test_bad_until_is_a_usage_error(text) -> None:
    with pytest.raises(UsageError):
        parse_until(text)


def test_latest_posts_walks_pages_until_the_since_id_across_a_shifting_list() -> None:
    feed = FakeCommunityFeed(120)
    cursor = feed.posts[70].id
    progress = LatestProgress()
    seen = []
    query = LatestQuery(page_size=20, since_id=cursor)
    for number, (_page, scan) in enumerate(ListLatestPosts(feed).execute(query, progress), start=1):
        seen.extend(p.id for p in scan.emit)
        if number == 1:
            feed.publish(500)  # the list shifts down: page 2 repeats the last post of page 1
    assert seen == [p.id for p in FakeCommunityFeed(120).posts[:70]]
    summary = latest_summary(progress, query)
    assert summary["stopped_by_since_id"] is True and summary["pages_read"] == 4
    assert summary["duplicates_skipped"] == 1 and summary["next_since_id"] == seen[0]


def test_latest_posts_failure_leaves_progress_of_the_pages_read() -> None:
    feed = FakeCommunityFeed(100)
    feed.fail_pages[3] = NetworkError("连接中断")
    progress = LatestProgress()
    with pytest.raises(NetworkError):
        for _ in ListLatestPosts(feed).execute(LatestQuery(page_size=10, max_pages=5), progress):
            pass
    assert progress.pages_read == 2 and progress.items_seen == 20


times = st.integers(0, 400).map(lambda n: f"2026-04-{1 + n // 24:02d} {n % 24:02d}:00:00")


@settings(max_examples=150, deadline=None)
@given(
    ordinary=st.lists(times, max_size=60),
    pinned=st.lists(times, max_size=3),
    until=times,
    size=st.integers(1, 15),
)
def test_until_walk_emits_exactly_the_posts_at_or_after_until(ordinary, pinned, until, size) -> None:
    posts = [make_post(i, published=t) for i, t in enumerate(sorted(ordinary, reverse=True))]
    pins = [make_post(1000 + i, top=True, published=t) for i, t in enumerate(pinned)]
    feed = FakeCommunityFeed()
    feed.posts, feed.pinned = posts, pins
    query = LatestQuery(page_size=size, until=until)
    progress = LatestProgress()
    emitted = [p for _page, scan in ListLatestPosts(feed).execute(query, progress) for p in scan.emit]
    ids = [p.id for p in emitted]
    assert len(ids) == len(set(ids))
    assert all(p.published_at >= until for p in emitted)
    assert {p.id for p in posts if p.published_at >= until} <= set(ids)
    assert {p.id for p in pins if p.published_at >= until} <= set(ids)


@given(st.floats(min_value=0, max_value=4_000_000_000, allow_nan=False), st.floats(min_value=0, max_value=3))
def test_format_timestamp_reuses_a_second_only_within_that_second(first, step) -> None:
    def expected(epoch: float) -> str:
        return datetime.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")

    assert format_timestamp(first) == expected(first)
    assert format_timestamp(first + step) == expected(first + step)
