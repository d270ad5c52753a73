"""Gap-free incremental list sync for the archive: coverage segments and the page walk (pure).

The archive remembers which stretches of the (newest-first) list it holds
completely: ``Coverage.segments``, each a ``[low, high]`` range of publication
times, newest first.  A run always starts at page 1 and walks down:

- everything it reads extends the run's own segment downwards;
- when it reaches a post inside a stored segment, the two join and the run
  jumps below that segment's ``low`` (to a page estimated from ``totalCount``
  and the number of posts that were older than ``low`` when it was reached),
  then checks the page it lands on: if that page starts below the covered
  range, it steps back one page at a time, so that the jump never leaves a gap;
- it stops at the list's end, at ``--until``, when the stored coverage already
  reaches the bottom, at ``--max-pages`` (a cap on the page *number*: the spec's
  最多抓到指定页), when ``--page-budget`` pages that brought posts not stored
  yet were read (pages re-read inside stored coverage do not count, so every
  run with a budget reaches new ground), or when interrupted: whatever it
  covered so far is saved as a segment, so the next run resumes there (the
  resumable backfill cursor) instead of stopping at the newest stored post.

If ``totalCount`` drops between two pages (posts deleted), the list shifted up
and a post may have slid onto the page just read: the walk re-reads that page.
Pinned posts sit on page 1 whatever their age and never count for coverage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional, Tuple, Union

import attrs

from jqcli.domain.community import Post, PostPage, is_older

END = ""  # Coverage.bottom when the end of the list was reached


@attrs.frozen
class Segment:
    """A stretch of the list held completely: every post with ``low <= published_at <= high``."""

    high: str
    low: str
    below: Optional[int] = None  # posts older than ``low`` (per totalCount) when ``low`` was read


@attrs.frozen
class Coverage:
    """What the store holds completely, plus how far down the list has been read."""

    segments: Tuple[Segment, ...] = ()
    bottom: Optional[str] = None  # None: not reached; END: list end; a time: an --until bound reached

    def to_dict(self) -> dict[str, Any]:
        return {
            "segments": [{"high": s.high, "low": s.low, "below": s.below} for s in self.segments],
            "bottom": self.bottom,
        }

    @classmethod
    def from_dict(cls, data: Optional[Mapping[str, Any]]) -> Coverage:
        if not isinstance(data, Mapping):
            return cls()
        segments = []
        for raw in data.get("segments") or ():
            if isinstance(raw, Mapping) and raw.get("high") and raw.get("low"):
                below = raw.get("below")
                segments.append(Segment(str(raw["high"]), str(raw["low"]), below if isinstance(below, int) else None))
        bottom = data.get("bottom")
        return cls(tuple(segments), bottom if isinstance(bottom, str) else None)

    def complete(self, until: Optional[str] = None) -> bool:
        """Whether the store holds the whole list from the newest post down to ``until`` (or the end)."""
        if len(self.segments) > 1:
            return False
        if self.bottom == END:
            return True
        if not self.segments or self.bottom is None or until is None:
            return False
        return not is_older(until, self.bottom)

    @property
    def newest(self) -> str:
        return self.segments[0].high if self.segments else ""


@attrs.frozen
class Step:
    """The walk's answer to one page: posts to store, the next page (None = stop) and why."""

    posts: Tuple[Post, ...]
    next_page: Optional[int]
    reason: str = ""


REASON_END = "end"
REASON_UNTIL = "until"
REASON_CAUGHT_UP = "caught_up"
REASON_MAX_PAGES = "max_pages"
REASON_PAGE_BUDGET = "page_budget"


class ListWalk:
    """One run's walk down the list (mutable; the rules are in ``observe``)."""

    def __init__(
        self,
        coverage: Coverage,
        *,
        page_size: int,
        until: Optional[str] = None,
        max_pages: Optional[int] = None,
        page_budget: Optional[int] = None,
    ) -> None:
        self.page_size = page_size
        self.until = until
        self.max_pages = max_pages
        self.page_budget = page_budget
        self.stored = tuple(coverage.segments)  # as the run found them (for the page budget)
        self.fresh_pages = 0  # pages that brought posts outside the stored segments
        self.fresh = False  # the page being observed brought such posts
        self.rest = list(coverage.segments)  # stored segments not joined yet (newest first)
        # ``bottom`` belongs to the lowest stored segment; without segments it says nothing.
        self.bottom = coverage.bottom if coverage.segments else None
        self.cur: Optional[Segment] = None  # this run's segment
        self.pages = 0
        self.verifying = False  # the page just requested was a jump target
        self.last_total: Optional[int] = None
        self.reason = ""

    @property
    def coverage(self) -> Coverage:
        """The coverage to save now (valid after every page, once its posts are stored)."""
        segments = ([self.cur] if self.cur else []) + self.rest
        return Coverage(tuple(segments), self.bottom)

    def observe(self, page: PostPage) -> Step:
        """Account for ``page`` (the page number this walk asked for) and say where to go next."""
        self.pages += 1
        self.fresh = False
        if self._shifted_up(page):
            return self._next(page.page - 1, ())  # posts slid up onto the page already read: re-read it
        if page.total_count is not None:
            self.last_total = page.total_count
        if not page.posts:
            if self.verifying and page.page > 1:
                return self._next(page.page - 1, (), verify=True)  # jumped past the end
            return self._finish((), REASON_END)
        posts = [p for p in page.posts if not (p.is_top and self.until and is_older(p.published_at, self.until))]
        ordinary = [(i, p) for i, p in enumerate(page.posts) if not p.is_top and p.published_at]
        if not ordinary:
            return self._next(page.page + 1, tuple(posts))  # only pinned (or undated) posts here
        # A jump must land on a page that starts strictly above the covered low end
        # (ties at ``low`` may not all have been read): otherwise step back.
        first = ordinary[0][1].published_at
        if self.verifying and self.cur is not None and page.page > 1 and not is_older(self.cur.low, first):
            return self._next(page.page - 1, (), verify=True)
        self.verifying = False
        return self._walk(page, posts, ordinary)

    def _walk(self, page: PostPage, posts: list[Post], ordinary: list[tuple[int, Post]]) -> Step:
        keep: list[Post] = [p for p in posts if p.is_top or not p.published_at]
        for index, post in ordinary:
            t = post.published_at
            if self.until and is_older(t, self.until):
                self._extend(self.until, None)
                return self._finish(tuple(keep), REASON_UNTIL, bottom=self._until_bottom())
            self._extend(t, self._below(page, index))
            keep.append(post)
            if not self.fresh and not any(not is_older(t, s.low) and not is_older(s.high, t) for s in self.stored):
                self.fresh = True
            # Strictly older than a stored segment's top: posts published in the same second
            # as that top after it was stored would otherwise be jumped over.
            while self.rest and is_older(t, self.rest[0].high):
                outcome = self._join(page)
                if isinstance(outcome, Step):
                    return Step(tuple(keep), outcome.next_page, outcome.reason)
                if outcome > page.page + 1:
                    return self._next(outcome, tuple(keep), verify=True)
        return self._next(page.page + 1, tuple(keep))

    def _join(self, page: PostPage) -> Union[Step, int]:
        """Join the stored segment just reached: a final Step, or the page to continue from."""
        seg = self.rest.pop(0)
        assert self.cur is not None
        self.cur = Segment(high=self.cur.high, low=min(seg.low, self.cur.low), below=seg.below)
        if not self.rest and self._bottom_covers():
            return self._finish((), REASON_CAUGHT_UP)
        if self.until and not is_older(self.until, self.cur.low):
            return self._finish((), REASON_UNTIL, bottom=self._until_bottom())
        target = int(page.page) + 1
        if seg.below is not None and page.total_count is not None:
            # Land on the page holding the post just above the segment's last one, so that the
            # landing page normally starts inside the covered range (no step back needed).
            position = int(page.total_count) - seg.below - 2
            target = max(target, position // self.page_size + 1)
        return target

    def _bottom_covers(self) -> bool:
        if self.bottom == END:
            return True
        return self.bottom is not None and self.until is not None and not is_older(self.until, self.bottom)

    def _until_bottom(self) -> Optional[str]:
        """An --until stop covers the bottom only when no stored segment lies below."""
        if self.rest or self.until is None:
            return self.bottom
        if self.bottom == END or (self.bottom is not None and is_older(self.bottom, self.until)):
            return self.bottom
        return self.until

    def _extend(self, low: str, below: Optional[int]) -> None:
        """Lower this run's segment to ``low`` (posts at or above the current low are known)."""
        if self.cur is None:
            self.cur = Segment(high=low, low=low, below=below)
        elif is_older(low, self.cur.low):
            self.cur = Segment(high=self.cur.high, low=low, below=below)

    def _below(self, page: PostPage, index: int) -> Optional[int]:
        if page.total_count is None:
            return None
        return max(0, int(page.total_count) - ((int(page.page) - 1) * self.page_size + index) - 1)

    def _shifted_up(self, page: PostPage) -> bool:
        shifted = (
            page.page > 1
            and self.last_total is not None
            and page.total_count is not None
            and page.total_count < self.last_total
        )
        if shifted:
            self.last_total = page.total_count
        return shifted

    def _next(self, page: int, posts: Tuple[Post, ...], verify: bool = False) -> Step:
        self.verifying = verify
        if self.fresh:
            self.fresh_pages += 1
            self.fresh = False
        if self.max_pages is not None and page > self.max_pages:
            self.reason = REASON_MAX_PAGES
            return Step(posts, None, REASON_MAX_PAGES)
        if self.page_budget is not None and self.fresh_pages >= self.page_budget:
            self.reason = REASON_PAGE_BUDGET
            return Step(posts, None, REASON_PAGE_BUDGET)
        return Step(posts, max(1, page))

    def _finish(self, posts: Tuple[Post, ...], reason: str, bottom: Optional[str] = None) -> Step:
        self.reason = reason
        if reason == REASON_END:
            # The list ended: whatever stored segments lie below hold posts that left the site.
            # Nothing more can be read down there, so this run's segment reaches the bottom.
            if self.cur is not None and self.rest:
                low = min([self.cur.low] + [seg.low for seg in self.rest])
                self.cur = Segment(high=self.cur.high, low=low, below=0)
            self.rest = []
            self.bottom = END
        elif bottom is not None:
            self.bottom = bottom
        return Step(posts, None, reason)
