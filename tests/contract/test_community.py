"""Contract: the community gateways against recorded traffic (one cassette per test).

Ids rotate on every response, so each test reads the keys it needs inside its own
cassette.  Record: ``JQCLI_RECORD=sandbox .venv/bin/pytest tests/contract/test_community.py``.
"""

from __future__ import annotations

import pytest

from jqcli.adapters.joinquant.community import JoinQuantClone, JoinQuantCommunity
from jqcli.domain.community import LatestQuery
from jqcli.domain.errors import NotAuthenticated, NotFound


def first_post_with_backtest(feed: JoinQuantCommunity):
    page = feed.list_page(LatestQuery(page_size=20), 1)
    return next(post for post in page.posts if post.item["backtest"]["id"])


def test_list_page_has_stable_keys_rotating_ids_and_string_numbers_parsed(jq_session) -> None:
    feed = JoinQuantCommunity(jq_session)
    first = feed.list_page(LatestQuery(page_size=10), 1)
    again = feed.list_page(LatestQuery(page_size=10), 1)
    assert len(first.posts) == 10 and isinstance(first.total_count, int) and first.curr_time
    assert [p.id for p in first.posts] == [p.id for p in again.posts]  # uniqueKey is stable
    assert first.posts[0].post_id != again.posts[0].post_id  # postId is re-minted per response
    item = first.posts[0].item
    assert isinstance(item["view_count"], int) and isinstance(item["is_top"], bool) and item["published_at"]
    assert item["url"].endswith(first.posts[0].id)


def test_anonymous_list_past_page_ten_asks_to_log_in(jq_recorder) -> None:
    feed = JoinQuantCommunity(jq_recorder(""))
    assert feed.list_page(LatestQuery(page_size=5), 10).posts
    with pytest.raises(NotAuthenticated) as info:
        feed.list_page(LatestQuery(page_size=5), 11)
    assert "登录" in info.value.message


def test_post_detail_by_unique_key_returns_full_content_and_a_fresh_alias(jq_session) -> None:
    feed = JoinQuantCommunity(jq_session)
    post = first_post_with_backtest(feed)
    detail = feed.post_detail(post.id)
    assert detail.unique_key == post.id and detail.post_id and detail.post_id != post.post_id
    assert len(str(detail.post["content"])) >= len(str(post.item["content_preview"]))
    assert detail.backtest_id and detail.post["backtest"]["name"]
    old_alias = feed.post_detail(post.post_id)  # an alias issued earlier still dereferences
    assert old_alias.unique_key == post.id


def test_post_detail_of_a_missing_post_is_not_found(jq_session) -> None:
    with pytest.raises(NotFound):
        JoinQuantCommunity(jq_session).post_detail("0" * 32)


def test_reply_page_and_sub_reply_expansion(jq_session) -> None:
    feed = JoinQuantCommunity(jq_session)
    page_posts = feed.list_page(LatestQuery(page_size=50), 1).posts
    post = max(page_posts, key=lambda p: p.item["reply_count"])
    replies = feed.reply_page(post.id, 1)
    assert replies.items and replies.total_count
    reply = replies.items[0]
    assert reply["id"] and reply["author"]["name"] and isinstance(reply["sub_replies"], list)
    expanded = feed.reply_page(post.id, 1, parent_reply_id=str(reply["id"]))
    assert isinstance(expanded.items, tuple)


def test_backtest_stats_of_a_post(jq_session) -> None:
    feed = JoinQuantCommunity(jq_session)
    post = first_post_with_backtest(feed)
    stats = feed.backtest_stats(post.item["backtest"]["id"])
    assert stats is not None and isinstance(stats["sharpe"], float) and "max_drawdown_period" in stats


def test_clone_check_spends_nothing_and_execute_returns_the_new_strategy(jq_session) -> None:
    feed, clone = JoinQuantCommunity(jq_session), JoinQuantClone(jq_session)
    post = first_post_with_backtest(feed)
    check = clone.check(post.id, post.item["backtest"]["id"])
    assert check.reason in ("more", "deny") and check.reduce > 0 and check.secret
    again = clone.check(post.id, post.item["backtest"]["id"])
    assert again.amount == check.amount  # checking is free
    outcome = clone.execute(check)
    assert "algorithmId=" in outcome.url
