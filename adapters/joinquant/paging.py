"""Walking a server-rendered list page by page when the pager's shape is not known for sure.

protocol.md §2.3 has the strategy list's pager as a ``li.next`` link (``nodisplay`` on the
last page); whether page numbers are all shown, shown as a window, or not at all was never
captured, nor the backtest history's pager.  So the end is never taken from page 1 alone:
the highest page linked from any page read so far is the known end, and it grows as pages
arrive.  A page without rows ends the walk, so a stale or hidden "next" cannot loop, and
``max_pages`` caps it.
"""

from __future__ import annotations

from typing import Callable, Iterator, TypeVar

Page = TypeVar("Page")


def follow_pages(
    fetch: Callable[[int], Page],
    last_linked: Callable[[Page], int],
    has_rows: Callable[[Page], bool],
    *,
    max_pages: int,
    workers: int = 1,
) -> Iterator[Page]:
    """Page 1, then every further page in order.

    With ``workers`` = 1 each page is fetched only when the caller reads past the previous
    one; with more, the pages already known to exist are fetched that many at a time (reads
    only: GETs, retried by the session like any other).
    """
    page = fetch(1)
    yield page
    done, known = 1, min(max_pages, last_linked(page))
    while done < known and has_rows(page):
        numbers = range(done + 1, known + 1) if workers > 1 else range(done + 1, done + 2)
        for page in _fetch_all(fetch, numbers, workers):
            done += 1
            yield page
            if not has_rows(page):
                return
            known = max(known, min(max_pages, last_linked(page)))


def _fetch_all(fetch: Callable[[int], Page], numbers: range, workers: int) -> Iterator[Page]:
    if workers <= 1 or len(numbers) <= 1:
        for number in numbers:
            yield fetch(number)
        return
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=min(workers, len(numbers)), thread_name_prefix="jq-page")
    try:
        yield from pool.map(fetch, numbers)  # in page order; the first failure is raised here
    finally:  # a failure, Ctrl-C or an early stop: pages not yet started are never requested
        pool.shutdown(wait=True, cancel_futures=True)
