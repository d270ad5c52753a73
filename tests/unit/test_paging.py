"""Following a list's pages whatever its pager shows: all numbers, a window, or only 下一页."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jqcli.adapters.joinquant.html import max_page, parse_html
from jqcli.adapters.joinquant.paging import follow_pages

LIST = "/algorithm/index/list"


def pager(current: int, last: int, *, window: int, hidden_next_href: str = "javascript:;") -> str:
    """A pager showing page numbers ``current ± window`` (never necessarily the last) and 下一页."""
    numbers = range(max(1, current - window), min(last, current + window) + 1)
    items = "".join(f'<li><a href="{LIST}?page={n}">{n}</a></li>' for n in numbers)
    if current < last:
        items += f'<li class="next"><a href="{LIST}?page={current + 1}">下一页</a></li>'
    else:
        items += f'<li class="next nodisplay"><a href="{hidden_next_href}">下一页</a></li>'
    return f'<html><body><table id="algo_table"></table><ul class="pagination">{items}</ul></body></html>'


def test_the_hidden_next_link_of_the_last_page_does_not_count() -> None:
    html = pager(3, 3, window=5, hidden_next_href=f"{LIST}?page=4")
    assert max_page(parse_html(html), LIST) == 3
    assert max_page(parse_html(pager(1, 3, window=0)), LIST) == 2  # only 下一页 is visible: page 2


class Site:
    """``last`` pages of rows; each page's pager shows ``window`` numbers around it."""

    def __init__(self, last: int, window: int, *, empty_from: int = 0) -> None:
        self.last, self.window, self.empty_from = last, window, empty_from
        self.fetched: list = []
        self.threads: set = set()
        self.lock = threading.Lock()

    def fetch(self, number: int) -> tuple:
        with self.lock:
            self.fetched.append(number)
            self.threads.add(threading.current_thread().name)
        rows = [] if self.empty_from and number >= self.empty_from else [f"row {number}"]
        return number, rows, max_page(parse_html(pager(number, self.last, window=self.window)), LIST)


def walk(site: Site, *, workers: int = 1, max_pages: int = 500) -> list:
    pages = follow_pages(site.fetch, lambda p: p[2], lambda p: bool(p[1]), max_pages=max_pages, workers=workers)
    return [number for number, _, _ in pages]


@given(st.integers(1, 30), st.integers(0, 6), st.sampled_from([1, 4]))
def test_every_page_is_read_once_in_order_whatever_the_pager_shows(last, window, workers) -> None:
    site = Site(last, window)
    assert walk(site, workers=workers) == list(range(1, last + 1))
    assert sorted(site.fetched) == list(range(1, last + 1))


def test_a_page_without_rows_ends_the_walk() -> None:
    site = Site(10, 10, empty_from=4)
    assert walk(site) == [1, 2, 3, 4] and site.fetched == [1, 2, 3, 4]


def test_max_pages_caps_the_walk() -> None:
    assert walk(Site(50, 2), max_pages=7) == list(range(1, 8))


def test_with_one_worker_a_page_is_fetched_only_when_read_on() -> None:
    site = Site(5, 5)
    pages = follow_pages(site.fetch, lambda p: p[2], lambda p: bool(p[1]), max_pages=500)
    assert next(pages)[0] == 1 and site.fetched == [1]
    assert next(pages)[0] == 2 and site.fetched == [1, 2]


def test_known_pages_are_fetched_concurrently_with_workers() -> None:
    site = Site(12, 20)  # page 1 links to all 12 pages
    assert walk(site, workers=4) == list(range(1, 13))
    assert any(name.startswith("jq-page") for name in site.threads)


def test_a_failing_page_stops_the_pages_not_yet_started() -> None:
    site = Site(200, 500)  # page 1 links to all 200 pages

    def fetch(number: int) -> tuple:
        if number == 3:
            raise RuntimeError("page 3 failed")
        return site.fetch(number)

    pages = follow_pages(fetch, lambda p: p[2], lambda p: bool(p[1]), max_pages=500, workers=2)
    with pytest.raises(RuntimeError, match="page 3"):
        list(pages)
    assert len(site.fetched) < 50  # not the other ~197 pages
