"""Community posts and the paging rules of ``community latest`` (pure).

Facts these rules rest on (protocol.md §2.17, §1.6):
- ``listV2`` with ``type=isNewPublish`` is sorted by ``addTime`` descending, except
  that pinned posts (``isTop:"1"``) come first whatever their age;
- ``postId`` is re-minted on every response, ``uniqueKey`` is stable: an item's
  ``id`` is the ``uniqueKey`` and the rotating id is kept as ``post_id``;
- the list shifts down while we page (new posts are published on top), so a
  post can come back on the next page: items are de-duplicated by ``id``.
"""

from __future__ import annotations

from typing import AbstractSet, Mapping, Optional, Tuple

import attrs

# ``--list-type`` → the listV2 ``cate`` tab (protocol.md §2.17; 1 = 文章 → cate 3).
# 0 is jqcli's extension: cate 0, every category (the site's superset tab).
LIST_TYPE_CATE: Mapping[int, int] = {0: 0, 1: 3, 2: 10, 3: 13, 4: 14, 5: 16}
REPLY_PAGE_SIZE = 20  # replyList's fixed page size on the site
SITE_BASE = "https://www.joinquant.com"


def post_url(post_key: str) -> str:
    """The public page of a post (always the real site, like the reference jqcli)."""
    return f"{SITE_BASE}/view/community/detail/{post_key}"


@attrs.frozen
class Post:
    """One list item: the fields the rules need, plus the spec-shaped JSON ``item``."""

    id: str  # uniqueKey (stable)
    post_id: str  # postId (rotates per response)
    published_at: str  # addTime, ``YYYY-MM-DD HH:MM:SS`` or ""
    is_top: bool
    item: Mapping[str, object] = attrs.field(factory=dict, eq=False, repr=False)

    def matches(self, key: str) -> bool:
        """True if ``key`` names this post (its stable id or the rotating alias we saw)."""
        return bool(key) and key in (self.id, self.post_id)


@attrs.frozen
class PostPage:
    """One ``listV2`` page."""

    page: int
    posts: Tuple[Post, ...]
    total_count: Optional[int] = None
    curr_time: str = ""
    top_count: int = 0


@attrs.frozen
class LatestQuery:
    """What ``community latest`` was asked for (``until`` already normalised)."""

    page_size: int = 50
    max_pages: Optional[int] = None
    until: Optional[str] = None
    until_raw: Optional[str] = None
    since_id: str = ""
    list_type: int = 1
    tags: str = ""

    @property
    def cate(self) -> int:
        return LIST_TYPE_CATE.get(self.list_type, self.list_type)

    @property
    def effective_max_pages(self) -> Optional[int]:
        """``--max-pages`` if given; unlimited with ``--until``/``--since-id``; else 1 page.

        The spec defaults to one page unless ``--until`` is set; ``--since-id`` also
        reads until the cursor is found, because stopping after one page would
        silently drop posts when more than a page was published since.
        """
        if self.max_pages is not None:
            return self.max_pages
        if self.until or self.since_id:
            return None
        return 1


STOP_UNTIL = "until"
STOP_SINCE_ID = "since_id"
STOP_END = "end"


@attrs.frozen
class PageScan:
    """What one page contributes: posts to emit, skipped duplicates and whether to stop."""

    emit: Tuple[Post, ...]
    duplicates: int = 0
    stop: Optional[str] = None  # STOP_UNTIL / STOP_SINCE_ID / STOP_END / None


def scan_page(page: PostPage, *, query: LatestQuery, seen: AbstractSet[str]) -> PageScan:
    """Apply the stop rules to one page, in list order.

    - an empty page ends the list;
    - a post already emitted (same ``id``) is skipped: the list shifted under us;
    - the ``--since-id`` post stops paging and is not emitted, unless it is pinned
      (a pinned cursor sits on top of every page 1 and would stop everything);
    - a post older than ``--until`` stops paging, unless it is pinned: old pinned
      posts are skipped and paging goes on.
    """
    if not page.posts:
        return PageScan(emit=(), stop=STOP_END)
    emit: list[Post] = []
    duplicates = 0
    taken: set[str] = set()
    for post in page.posts:
        if post.id in seen or post.id in taken:
            duplicates += 1
            continue
        if query.since_id and post.matches(query.since_id):
            if post.is_top:
                continue
            return PageScan(emit=tuple(emit), duplicates=duplicates, stop=STOP_SINCE_ID)
        if query.until and is_older(post.published_at, query.until):
            if post.is_top:
                continue
            return PageScan(emit=tuple(emit), duplicates=duplicates, stop=STOP_UNTIL)
        taken.add(post.id)
        emit.append(post)
    return PageScan(emit=tuple(emit), duplicates=duplicates)


def is_older(published_at: str, bound: str) -> bool:
    """``published_at`` strictly before ``bound`` (both ``YYYY-MM-DD HH:MM:SS``; "" is not older)."""
    return bool(published_at) and published_at < bound


@attrs.define
class LatestProgress:
    """Running totals of one ``latest`` walk (mutable: one per command)."""

    pages_read: int = 0
    items_seen: int = 0
    duplicates: int = 0
    total_count: Optional[int] = None
    curr_time: str = ""
    stop: Optional[str] = None
    newest_id: str = ""  # the newest non-pinned post: the cursor to pass as --since-id next time

    def record(self, page: PostPage, scan: PageScan) -> None:
        self.pages_read += 1
        self.items_seen += len(scan.emit)
        self.duplicates += scan.duplicates
        if self.total_count is None:
            self.total_count = page.total_count
        self.curr_time = page.curr_time or self.curr_time
        self.stop = scan.stop
        if not self.newest_id:
            self.newest_id = next((post.id for post in scan.emit if not post.is_top), "")

    def more_pages(self, query: LatestQuery) -> bool:
        limit = query.effective_max_pages
        return self.stop is None and (limit is None or self.pages_read < limit)


# --------------------------------------------------------------------------------------------
# Post detail and discussion
# --------------------------------------------------------------------------------------------


@attrs.frozen
class PostDetail:
    """``detailV2`` normalised: the spec's ``post`` object plus what the rules need."""

    unique_key: str
    post_id: str  # the fresh alias detailV2 returned
    backtest_id: str
    post: Mapping[str, object] = attrs.field(factory=dict, repr=False)


@attrs.frozen
class ReplyPage:
    """One ``replyList`` page, replies already in the spec's shape."""

    page: int
    items: Tuple[Mapping[str, object], ...]
    bounty_items: Tuple[Mapping[str, object], ...] = ()
    total_count: Optional[int] = None
    can_choose_best: bool = False
    is_faq: bool = False
    curr_time: str = ""


def reply_last_page(total_count: Optional[int], page_size: int = REPLY_PAGE_SIZE) -> Optional[int]:
    """The last discussion page implied by ``totalCount`` (None when unknown)."""
    if total_count is None:
        return None
    return max(1, -(-total_count // page_size))


def more_reply_pages(
    *, page: ReplyPage, start_page: int, pages_read: int, max_pages: Optional[int], last_page: Optional[int]
) -> bool:
    """Go on while the page was non-empty, below ``--reply-pages`` and below the last page."""
    if not page.items:
        return False
    if max_pages is not None and pages_read >= max_pages:
        return False
    return last_page is None or page.page < last_page
