"""Hand-written fakes of the community ports (no mocks): an in-memory site and archive."""

from __future__ import annotations

import threading
from typing import Dict, List, Mapping, Optional, Sequence

from jqcli.domain.archive import natural_key, needs
from jqcli.domain.clone import CloneCheck, CloneOutcome
from jqcli.domain.community import LatestQuery, Post, PostDetail, PostPage, ReplyPage, post_url
from jqcli.domain.errors import ApiError, NetworkError, NotFound


def stamp(n: int) -> str:
    return f"2026-04-{1 + n // 86400 % 28:02d} {n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}"


def make_post(n: int, *, top: bool = False, backtest: bool = True, published: Optional[str] = None) -> Post:
    key = f"uk{n:05d}"
    item = {
        "id": key,
        "post_id": f"rot-{key}",
        "title": f"帖子 {n}",
        "url": post_url(key),
        "author": {"id": "u", "name": f"作者{n % 7}"},
        "published_at": published or stamp(n * 60),
        "reply_count": 0,
        "view_count": n,
        "is_top": top,
        "is_best": False,
        "backtest": {"id": f"bt{n}" if backtest else "", "clone_count": 0, "pic_url": ""},
        "tags": [],
        "content_preview": "…",
    }
    return Post(id=key, post_id=f"rot-{key}", published_at=str(item["published_at"]), is_top=top, item=item)


class FakeFeed:
    """A community of ``count`` posts (newest first) plus pinned posts; faults on demand."""

    def __init__(self, count: int = 0, pinned: Sequence[Post] = ()) -> None:
        self.posts: List[Post] = [make_post(n) for n in range(count, 0, -1)]
        self.pinned = list(pinned)
        self.fail_pages: Dict[int, Exception] = {}
        self.fail_detail: Dict[str, Exception] = {}
        self.stats_missing: set = set()
        self.down: Optional[Exception] = None  # every request raises it (the site is down)
        self.calls: List[tuple] = []
        self.lock = threading.Lock()

    def publish(self, n: int) -> None:
        self.posts.insert(0, make_post(n))

    def list_page(self, query: LatestQuery, page: int) -> PostPage:
        with self.lock:
            self.calls.append(("list", page))
        if self.down is not None:
            raise self.down
        if page in self.fail_pages:
            raise self.fail_pages[page]
        combined = self.pinned + self.posts
        chunk = combined[(page - 1) * query.page_size : page * query.page_size]
        return PostPage(page=page, posts=tuple(chunk), total_count=len(combined), curr_time="2026-04-25 21:39:18")

    def post_detail(self, post_key: str) -> PostDetail:
        with self.lock:
            self.calls.append(("detail", post_key))
        if self.down is not None:
            raise self.down
        if post_key in self.fail_detail:
            raise self.fail_detail[post_key]
        post = next((p for p in self.pinned + self.posts if p.id == post_key), None)
        if post is None:
            raise NotFound("文章不存在", details={"post_id": post_key})
        data = dict(post.item)
        data.update(post_id="fresh-alias", content=f"正文 {post.id}", requested_id=post_key)
        backtest = dict(data["backtest"])
        backtest["name"] = "策略"
        data["backtest"] = backtest
        return PostDetail(unique_key=post.id, post_id="fresh-alias", backtest_id=str(backtest["id"]), post=data)

    def reply_page(self, post_key: str, page: int, *, parent_reply_id: str = "") -> ReplyPage:
        total = 45
        start = (page - 1) * 20
        items = tuple({"id": f"r{i}", "content": f"回复{i}"} for i in range(start, min(total, start + 20)))
        return ReplyPage(page=page, items=items, total_count=total, curr_time="t")

    def backtest_stats(self, backtest_id: str) -> Optional[Mapping[str, object]]:
        with self.lock:
            self.calls.append(("stats", backtest_id))
        if self.down is not None:
            raise self.down
        if backtest_id in self.stats_missing:
            return None
        return {"sharpe": 1.5, "algorithm_return": 0.2, "annual_algo_return": 0.3, "excess_return_sharpe": "1"}


class FakeClone:
    def __init__(self, reason: str = "more", url: str = "") -> None:
        self.reason, self.url = reason, url
        self.executed: List[CloneCheck] = []

    def check(self, post_id: str, backtest_id: str, reply_id: str = "") -> CloneCheck:
        return CloneCheck(
            post_id=post_id,
            backtest_id=backtest_id,
            reply_id=reply_id,
            amount=48,
            reduce=10,
            usable=2,
            reason=self.reason,
            is_view=True,
            url=self.url,
            secret="s3cr3t-value",
            random="1777127557",
        )

    def execute(self, check: CloneCheck) -> CloneOutcome:
        self.executed.append(check)
        return CloneOutcome(url="/algorithm/index/edit?algorithmId=newid123&startTime=2020-01-01")


class FakePostArchive:
    """The PostArchive port in memory."""

    def __init__(self) -> None:
        self.records: Dict[str, dict] = {}
        self.flushed = 0
        self.puts = 0

    def __len__(self) -> int:
        return len(self.records)

    def get(self, key: str) -> Optional[dict]:
        record = self.records.get(key)
        return dict(record) if record is not None else None

    def find_natural(self, natural: str) -> Optional[str]:
        return next((k for k, r in self.records.items() if natural and natural_key(r) == natural), None)

    def put(self, record: Mapping, *, replaces: Sequence[str] = ()) -> bool:
        for old in replaces:
            self.records.pop(old, None)
        self.records[str(record["id"])] = dict(record)
        self.puts += 1
        return True

    def pending(self, flag: int, limit: Optional[int] = None) -> List[str]:
        keys = [k for k, r in self.records.items() if needs(r) & flag]
        keys.sort(key=lambda k: self.records[k].get("published_at") or "", reverse=True)
        return keys[:limit] if limit is not None else keys

    def flush(self) -> None:
        self.flushed += 1

    def close(self) -> None:
        return None


class FakeState:
    def __init__(self) -> None:
        self.data: dict = {}
        self.saves = 0

    def load(self) -> Mapping:
        return dict(self.data)

    def save(self, state: Mapping) -> None:
        self.data = dict(state)
        self.saves += 1


class FakeClock:
    def __init__(self) -> None:
        self.t = 1_777_000_000.0
        self.slept: List[float] = []

    def now(self) -> float:
        return self.t

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


__all__ = ["ApiError", "NetworkError"]
