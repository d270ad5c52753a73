"""The archive's resumable backfill walk against a simulated, shifting list (pure)."""

from __future__ import annotations

import random
from typing import Optional

from hypothesis import given, settings
from hypothesis import strategies as st

from jqcli.domain.backfill import END, Coverage, ListWalk, Segment
from jqcli.domain.community import Post, PostPage


class FakeList:
    """A newest-first list with pinned posts on top; times are zero-padded integers."""

    def __init__(self, count: int, pinned: int = 0, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.clock = 10_000
        self.posts = [self._post(self._tick(), top=False) for _ in range(count)][::-1]
        self.pinned = [
            Post(id=f"pin{i}", post_id=f"x{i}", published_at=stamp(5 + i), is_top=True) for i in range(pinned)
        ]

    def _tick(self) -> int:
        self.clock += self.rng.choice((0, 1, 1, 2))  # ties happen
        return self.clock

    def _post(self, t: int, top: bool) -> Post:
        key = f"k{len(getattr(self, 'posts', [])) + self.rng.random()}"
        return Post(id=key, post_id="rot" + key, published_at=stamp(t), is_top=top)

    def publish(self, n: int = 1) -> None:
        for _ in range(n):
            self.posts.insert(0, self._post(self._tick(), top=False))

    def delete(self, n: int = 1) -> None:
        for _ in range(min(n, len(self.posts))):
            self.posts.pop(self.rng.randrange(len(self.posts)))

    def page(self, number: int, size: int) -> PostPage:
        combined = self.pinned + self.posts
        chunk = combined[(number - 1) * size : number * size]
        return PostPage(page=number, posts=tuple(chunk), total_count=len(combined))


def stamp(t: int) -> str:
    return f"2026-01-01 {t:08d}"


def run(
    site: FakeList,
    coverage: Coverage,
    store: set,
    *,
    size: int,
    max_pages: Optional[int] = None,
    page_budget: Optional[int] = None,
    until: Optional[str] = None,
    churn=None,
    requested: Optional[list] = None,
) -> tuple:
    walk = ListWalk(coverage, page_size=size, until=until, max_pages=max_pages, page_budget=page_budget)
    page = 1
    for _ in range(10_000):
        if requested is not None:
            requested.append(page)
        step = walk.observe(site.page(page, size))
        store.update(p.id for p in step.posts)
        if step.next_page is None:
            return walk.coverage, walk.reason, walk.pages
        if churn:
            churn()
        page = step.next_page
    raise AssertionError("walk did not terminate")


def ordinary_ids(site: FakeList, until: Optional[str] = None) -> set:
    return {p.id for p in site.posts if until is None or p.published_at >= until}


def test_first_run_reads_to_the_end_and_marks_bottom() -> None:
    site, store = FakeList(237, pinned=2), set()
    coverage, reason, _ = run(site, Coverage(), store, size=50)
    assert reason == "end" and coverage.bottom == END
    assert ordinary_ids(site) <= store


def test_noop_run_reads_one_page_and_is_caught_up() -> None:
    site, store = FakeList(500), set()
    coverage, _, _ = run(site, Coverage(), store, size=50)
    _, reason, pages = run(site, coverage, store, size=50)
    assert reason == "caught_up" and pages == 1


def test_interrupted_run_resumes_below_instead_of_stopping_at_newest() -> None:
    site, store = FakeList(1000), set()
    coverage, reason, _ = run(site, Coverage(), store, size=50, page_budget=3)
    assert reason == "page_budget" and len(store) < 200
    site.publish(30)
    coverage, reason, pages = run(site, coverage, store, size=50)
    assert reason == "end" and ordinary_ids(site) <= store
    assert pages <= 1000 // 50 - 3 + 4  # the jump skipped the pages read before (plus a step back)


def test_until_bound_then_deeper_run_continues_the_backfill() -> None:
    site, store = FakeList(600), set()
    until = site.posts[300].published_at
    coverage, reason, _ = run(site, Coverage(), store, size=50, until=until)
    assert reason == "until" and coverage.bottom == until and ordinary_ids(site, until) <= store
    _, reason, pages = run(site, coverage, set(store), size=50, until=until)
    assert reason == "caught_up" and pages == 1
    coverage, reason, _ = run(site, coverage, store, size=50)
    assert reason == "end" and ordinary_ids(site) <= store


def test_old_pinned_posts_neither_stop_nor_count_for_coverage() -> None:
    site, store = FakeList(120, pinned=3), set()
    coverage, _, _ = run(site, Coverage(), store, size=20)
    assert all(not seg.high.endswith("00000005") for seg in coverage.segments)
    assert ordinary_ids(site) <= store


def test_coverage_round_trips_through_its_dict() -> None:
    coverage = Coverage((Segment("b", "a", 3), Segment("a0", "a00", None)), END)
    assert Coverage.from_dict(coverage.to_dict()) == coverage
    assert Coverage.from_dict({"segments": [{"high": ""}], "bottom": 3}) == Coverage()


def test_max_pages_caps_the_page_number_and_says_so() -> None:
    site, store = FakeList(300), set()
    pages: list = []
    coverage, reason, _ = run(site, Coverage(), store, size=20, max_pages=3, requested=pages)
    assert reason == "max_pages" and max(pages) == 3 and len(store) == 60
    for _ in range(3):  # new posts are picked up on the pages under the cap, nothing beyond it is read
        site.publish(25)
        pages = []
        coverage, reason, _ = run(site, coverage, store, size=20, max_pages=3, requested=pages)
        assert reason == "max_pages" and max(pages) <= 3
        assert {p.id for p in site.posts[:60]} <= store
    pages = []
    _, reason, _ = run(site, coverage, store, size=20, max_pages=1, requested=pages)
    assert pages == [1] and reason == "max_pages"


def test_every_run_with_a_page_budget_reaches_new_pages() -> None:
    site, store = FakeList(400), set()
    coverage = Coverage()
    for budget in (1, 1, 2, 1, 2):
        before = len(store)
        coverage, reason, _ = run(site, coverage, store, size=20, page_budget=budget)
        assert reason == "page_budget" and len(store) >= before + 20 * budget - 2, (budget, before, len(store))
    assert len(store) >= 7 * 20 - 5


def test_complete_only_when_the_bottom_reaches_the_requested_until() -> None:
    site, store = FakeList(300), set()
    late, early = site.posts[40].published_at, site.posts[250].published_at
    coverage, reason, _ = run(site, Coverage(), store, size=20, until=late)
    assert reason == "until" and coverage.complete(late) and not coverage.complete(None)
    coverage, reason, _ = run(site, coverage, store, size=20, until=early, max_pages=2)
    assert reason == "max_pages" and not coverage.complete(early)
    coverage, reason, _ = run(site, coverage, store, size=20, until=early)
    assert coverage.complete(early) and not coverage.complete(None)
    coverage, _, _ = run(site, coverage, store, size=20)
    assert coverage.complete(None) and coverage.complete(early)


@settings(max_examples=100, deadline=None)
@given(
    count=st.integers(0, 400),
    size=st.integers(3, 60),
    interruptions=st.lists(st.tuples(st.booleans(), st.integers(1, 6)), max_size=5),
    seed=st.integers(0, 10_000),
    publish_between=st.integers(0, 40),
    delete_between=st.integers(0, 10),
)
def test_interrupted_runs_with_a_shifting_list_end_gap_free(
    count, size, interruptions, seed, publish_between, delete_between
) -> None:
    site, store = FakeList(count, pinned=seed % 3, seed=seed), set()
    rng = random.Random(seed)

    def churn() -> None:  # while paging: new posts on top, or deletions (never both in one step)
        if rng.random() < 0.3:
            site.publish(rng.randint(1, 5))
        elif rng.random() < 0.1:
            site.delete(1)

    coverage = Coverage()
    for as_cap, limit in interruptions:  # stopped by the page-number cap or by the per-run budget
        limits = {"max_pages": limit} if as_cap else {"page_budget": limit}
        coverage, _, _ = run(site, coverage, store, size=size, churn=churn, **limits)
        site.publish(rng.randint(0, publish_between))
        site.delete(rng.randint(0, delete_between))
    coverage, reason, _ = run(site, coverage, store, size=size)
    missing = ordinary_ids(site) - store
    assert not missing, (reason, len(missing), coverage)
    _, reason, pages = run(site, coverage, set(store), size=size)
    assert reason in ("caught_up", "end")
    if len(site.posts) > 4 * size:  # (tiny lists: pinned posts and ties can fill the first pages)
        assert pages <= 3
