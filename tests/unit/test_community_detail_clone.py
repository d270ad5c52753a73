"""ReadPostDetail, CheckClone and CloneStrategy against fakes; the clone check's view never shows the secret."""

from __future__ import annotations

import pytest

from jqcli.application.community import CheckClone, CloneStrategy, DetailRequest, ReadPostDetail
from jqcli.domain.clone import CHECK_HINT, strategy_id_from_url
from jqcli.domain.errors import ApiError, ConfirmationRequired, UsageError
from jqcli.entrypoints.presenters_community import clone_check, clone_result, post_reading
from tests.fakes import FakeCloneGateway, FakeCommunityFeed, make_post


def test_detail_reads_requested_reply_pages_and_stats() -> None:
    feed = FakeCommunityFeed(5)
    key = feed.posts[0].id
    reading = ReadPostDetail(feed).execute(DetailRequest(key, reply_pages=2, with_backtest_stats=True))
    assert reading.discussion.pages_read == 2 and reading.backtest["stats"]["sharpe"] == 1.5
    result = post_reading(reading)
    assert result["post"]["id"] == key and result["post"]["requested_id"] == key
    assert result["strategy"]["backtest"]["stats"]["sharpe"] == 1.5
    discussion = result["discussion"]
    assert discussion["pages_read"] == 2 and len(discussion["items"]) == 40 and discussion["total_count"] == 45


def test_all_replies_stops_at_the_last_page_by_total_count() -> None:
    feed = FakeCommunityFeed(1)
    result = post_reading(ReadPostDetail(feed).execute(DetailRequest(feed.posts[0].id, reply_pages=None)))
    assert result["discussion"]["pages_read"] == 3 and len(result["discussion"]["items"]) == 45
    assert result["discussion"]["max_pages"] is None


def test_clone_check_view_has_no_secret_and_the_hint() -> None:
    feed = FakeCommunityFeed(1)
    check = CheckClone(feed, FakeCloneGateway()).execute(feed.posts[0].id)
    view = clone_check(check)
    assert view["execute"] is False and view["hint"] == CHECK_HINT and view["secret_present"] is True
    assert view["backtest_id"] == "bt1" and view["can_clone"] is True
    assert "s3cr3t-value" not in repr(check) and "s3cr3t-value" not in str(view)


def test_clone_without_confirmation_never_executes() -> None:
    feed, clone = FakeCommunityFeed(1), FakeCloneGateway()
    with pytest.raises(ConfirmationRequired) as raised:
        CloneStrategy(clone).execute(CheckClone(feed, clone).execute(feed.posts[0].id), confirmed=False)
    assert raised.value.details["hint"] == CHECK_HINT and raised.value.details["execute"] is False
    assert clone.executed == []


def test_clone_execute_returns_the_new_strategy_id() -> None:
    feed, clone = FakeCommunityFeed(1), FakeCloneGateway()
    done = CloneStrategy(clone).execute(
        CheckClone(feed, clone).execute(feed.posts[0].id, backtest_id="bt9"), confirmed=True
    )
    assert done.strategy_id == "newid123" and done.cost == 10 and not done.from_check
    result = clone_result(done)
    assert result["strategy_id"] == "newid123" and result["cost"] == 10 and result["execute"] is True
    assert len(clone.executed) == 1 and clone.executed[0].backtest_id == "bt9"


def test_clone_denied_is_an_api_error_and_spends_nothing() -> None:
    feed, clone = FakeCommunityFeed(1), FakeCloneGateway(reason="deny")
    with pytest.raises(ApiError) as raised:
        CloneStrategy(clone).execute(CheckClone(feed, clone).execute(feed.posts[0].id), confirmed=True)
    assert raised.value.details["reason"] == "deny" and "hint" not in raised.value.details
    assert clone.executed == []


def test_clone_already_open_uses_the_check_url_without_spending() -> None:
    feed, clone = FakeCommunityFeed(1), FakeCloneGateway(url="/algorithm/index/edit?algorithmId=a2")
    result = clone_result(
        CloneStrategy(clone).execute(CheckClone(feed, clone).execute(feed.posts[0].id), confirmed=True)
    )
    assert (
        result["cost"] == 0 and result["from_check"] is True and result["strategy_id"] == "a2" and clone.executed == []
    )


def test_clone_of_a_post_without_backtest_is_a_usage_error() -> None:
    feed = FakeCommunityFeed()
    feed.posts = [make_post(1, backtest=False)]
    with pytest.raises(UsageError):
        CheckClone(feed, FakeCloneGateway()).execute(feed.posts[0].id)


def test_strategy_id_is_parsed_from_url_or_redirect() -> None:
    assert strategy_id_from_url("", "/algorithm/index/edit?x=1&algorithmId=abc&startTime=2020") == "abc"
    assert strategy_id_from_url("/somewhere") == ""
