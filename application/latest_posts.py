"""``community latest``: the newest posts, page by page, with the stop and de-duplication rules.

Its own module, apart from the detail and clone use cases of ``community``, which ``latest`` never needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Tuple

from jqcli.domain.community import scan_page

if TYPE_CHECKING:
    from jqcli.application.ports import CommunityFeed
    from jqcli.domain.community import LatestProgress, LatestQuery, PageScan, PostPage


class ListLatestPosts:
    """``community latest``: page through the newest posts, applying the stop and de-duplication rules.

    A plain class, not attrs: it holds one port, and an attrs class costs its compilation at import.
    """

    __slots__ = ("feed",)

    def __init__(self, feed: CommunityFeed) -> None:
        self.feed = feed

    def execute(self, query: LatestQuery, progress: LatestProgress) -> Iterator[Tuple[PostPage, PageScan]]:
        """Yield each page with what it contributes; ``progress`` is updated before each yield.

        If a page fails, the error propagates and ``progress`` tells how far the walk got.
        """
        seen: set[str] = set()
        page_number = 1
        while progress.more_pages(query):
            page = self.feed.list_page(query, page_number)
            scan = scan_page(page, query=query, seen=seen)
            seen.update(post.id for post in scan.emit)
            progress.record(page, scan)
            yield page, scan
            page_number += 1
