"""Community use cases: ListLatestPosts, ReadPostDetail, CheckClone, CloneStrategy.

They return values (pages and scans, a ``PostReading``, a ``CloneCheck``, a ``CloneResult``);
``jqcli.entrypoints.presenters`` turns them into the spec's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, List, Optional, Tuple

import attrs

from jqcli.application.latest_posts import ListLatestPosts as ListLatestPosts  # re-exported
from jqcli.domain.clone import CHECK_HINT, CloneCheck, CloneOutcome, CloneResult, check_facts, strategy_id_from_url
from jqcli.domain.community import (
    ReplyPage,
    more_reply_pages,
    reply_last_page,
)
from jqcli.domain.errors import ApiError, ConfirmationRequired, UsageError

if TYPE_CHECKING:
    from jqcli.application.ports import CloneGateway, CommunityFeed


@attrs.frozen
class DetailRequest:
    """What ``community detail`` was asked for."""

    post_key: str
    reply_page: int = 1
    reply_pages: Optional[int] = 1  # None: all pages
    with_backtest_stats: bool = False


@attrs.frozen
class Discussion:
    """The reply pages read for one post (replies in the spec's shape, as the feed returned them)."""

    items: Tuple[Mapping[str, object], ...]
    bounty_items: Tuple[Mapping[str, object], ...]
    start_page: int
    pages_read: int
    max_pages: Optional[int]
    total_count: Optional[int]
    can_choose_best: bool
    is_faq: bool
    curr_time: str


@attrs.frozen
class PostReading:
    """A post (the spec's ``post`` object plus ``requested_id``), its strategy parts and its discussion."""

    post: Mapping[str, object]
    backtest: Mapping[str, object]
    research: Mapping[str, object]
    file: Mapping[str, object]
    discussion: Discussion


@attrs.frozen
class ReadPostDetail:
    """``community detail``: a post, its strategy (optionally with backtest stats) and its discussion pages."""

    feed: CommunityFeed

    def execute(self, request: DetailRequest) -> PostReading:
        detail = self.feed.post_detail(request.post_key)
        post = dict(detail.post)
        post["requested_id"] = request.post_key
        backtest = dict(_mapping(post.get("backtest")))
        if request.with_backtest_stats and detail.backtest_id:
            backtest["stats"] = self.feed.backtest_stats(detail.backtest_id)
        return PostReading(
            post=post,
            backtest=backtest,
            research=dict(_mapping(post.get("research"))),
            file=dict(_mapping(post.get("file"))),
            discussion=self._discussion(detail.unique_key, request),
        )

    def _discussion(self, key: str, request: DetailRequest) -> Discussion:
        items: List[Mapping[str, object]] = []
        bounty: List[Mapping[str, object]] = []
        first: Optional[ReplyPage] = None
        page_number, pages_read = request.reply_page, 0
        while True:
            page = self.feed.reply_page(key, page_number)
            pages_read += 1
            first = first or page
            items.extend(page.items)
            bounty.extend(b for b in page.bounty_items if b not in bounty)
            last = reply_last_page(first.total_count)
            if not more_reply_pages(
                page=page,
                start_page=request.reply_page,
                pages_read=pages_read,
                max_pages=request.reply_pages,
                last_page=last,
            ):
                break
            page_number += 1
        return Discussion(
            items=tuple(items),
            bounty_items=tuple(bounty),
            start_page=request.reply_page,
            pages_read=pages_read,
            max_pages=request.reply_pages,
            total_count=first.total_count,
            can_choose_best=first.can_choose_best,
            is_faq=first.is_faq,
            curr_time=page.curr_time or first.curr_time,
        )


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


@attrs.frozen
class CheckClone:
    """``community clone`` without ``--yes``: what a clone would cost (``checkBacktestView``); spends nothing."""

    feed: CommunityFeed
    clone: CloneGateway

    def execute(self, post_key: str, *, backtest_id: str = "", reply_id: str = "") -> CloneCheck:
        post_id, resolved = self._resolve_backtest(post_key, backtest_id)
        return self.clone.check(post_id, resolved, reply_id)

    def _resolve_backtest(self, post_key: str, backtest_id: str) -> Tuple[str, str]:
        """``(post id to use, backtest id)``: without ``--backtest-id`` the post's own backtest."""
        if backtest_id:
            return post_key, backtest_id
        detail = self.feed.post_detail(post_key)
        if not detail.backtest_id:
            raise UsageError(
                "这篇文章没有关联的策略回测", details={"post_id": post_key}, hint="用 --backtest-id 指定回复中的回测"
            )
        return post_key, detail.backtest_id


@attrs.frozen
class CloneStrategy:
    """``community clone --yes``: spend the credits a ``CloneCheck`` named and clone the strategy."""

    clone: CloneGateway

    def execute(self, check: CloneCheck, *, confirmed: bool) -> CloneResult:
        """Spend the credits (only when ``confirmed``); the result names the new strategy."""
        if not confirmed:
            details = {**check_facts(check), "execute": False, "hint": CHECK_HINT}
            raise ConfirmationRequired("克隆会扣除积分,需要 --yes 确认", details=details, hint="加上 --yes")
        if check.already_open:
            outcome = CloneOutcome(url=check.url, redirect=check.redirect)
            return CloneResult(check, outcome, strategy_id_from_url(outcome.url, outcome.redirect), from_check=True)
        if not check.can_clone:
            raise ApiError(f"无法克隆:积分不足或没有权限(reason={check.reason})", details=check_facts(check))
        outcome = self.clone.execute(check)
        result = CloneResult(check, outcome, strategy_id_from_url(outcome.url, outcome.redirect), from_check=False)
        if not result.strategy_id:
            raise ApiError(
                "克隆请求已提交,但响应里没有新策略的地址",
                details={"post_id": check.post_id, "backtest_id": check.backtest_id, "url": outcome.url},
                hint="到聚宽“我的策略”页面确认是否已生成克隆的策略",
            )
        return result
