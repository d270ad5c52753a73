"""The archive's fetch queue: order, no double fetches, in-flight limits and budgets."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jqcli.application.enrichment import EnrichmentQueue
from jqcli.domain.archive import NEEDS_DETAIL, NEEDS_STATS


def drain(queue: EnrichmentQueue, flag: int) -> list:
    taken = []
    key = queue.take(flag)
    while key is not None:
        taken.append(key)
        queue.start(flag, key)
        queue.finish(flag, key)
        key = queue.take(flag)
    return taken


def test_new_posts_go_before_the_backlog_and_nothing_is_queued_twice() -> None:
    queue = EnrichmentQueue({NEEDS_DETAIL: 10, NEEDS_STATS: 10}, {})
    queue.extend(NEEDS_DETAIL, ["old1", "old2"])
    queue.want("new", NEEDS_DETAIL | NEEDS_STATS, front=True)
    queue.want("old1", NEEDS_DETAIL, front=True)  # already queued: stays where it is
    assert drain(queue, NEEDS_DETAIL) == ["new", "old1", "old2"]
    assert drain(queue, NEEDS_STATS) == ["new"]


def test_a_post_in_flight_is_not_queued_again_until_it_finishes() -> None:
    queue = EnrichmentQueue({NEEDS_DETAIL: 4}, {})
    queue.want("a", NEEDS_DETAIL)
    queue.start(NEEDS_DETAIL, queue.take(NEEDS_DETAIL) or "")
    queue.want("a", NEEDS_DETAIL)
    assert queue.take(NEEDS_DETAIL) is None and queue.has_work()
    queue.finish(NEEDS_DETAIL, "a")
    assert not queue.has_work()
    queue.want("a", NEEDS_DETAIL)  # e.g. a failed fetch queued again by a later run step
    assert queue.take(NEEDS_DETAIL) == "a"


def test_in_flight_limit_and_budget() -> None:
    queue = EnrichmentQueue({NEEDS_DETAIL: 2, NEEDS_STATS: 5}, {NEEDS_STATS: 1})
    queue.extend(NEEDS_DETAIL, ["a", "b", "c"])
    for key in (queue.take(NEEDS_DETAIL), queue.take(NEEDS_DETAIL)):
        queue.start(NEEDS_DETAIL, key or "")
    assert queue.take(NEEDS_DETAIL) is None  # two in flight: the limit
    queue.finish(NEEDS_DETAIL, "a")
    assert queue.take(NEEDS_DETAIL) == "c"
    queue.extend(NEEDS_STATS, ["x", "y"])
    queue.start(NEEDS_STATS, queue.take(NEEDS_STATS) or "")
    queue.finish(NEEDS_STATS, "x")
    assert queue.take(NEEDS_STATS) is None and queue.pending(NEEDS_STATS) == 1  # budget spent; "y" stays queued


def test_a_skipped_flag_is_not_served() -> None:
    queue = EnrichmentQueue({NEEDS_DETAIL: 4}, {})
    queue.want("a", NEEDS_DETAIL | NEEDS_STATS)
    assert queue.take(NEEDS_STATS) is None and queue.pending(NEEDS_STATS) == 0
    assert drain(queue, NEEDS_DETAIL) == ["a"]


@given(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.booleans()), max_size=40), st.integers(1, 4))
def test_every_wanted_key_is_handed_out_exactly_once(wants, limit) -> None:
    queue = EnrichmentQueue({NEEDS_DETAIL: limit}, {})
    for key, front in wants:
        queue.want(key, NEEDS_DETAIL, front=front)
    taken = drain(queue, NEEDS_DETAIL)
    assert sorted(taken) == sorted({key for key, _ in wants}) and not queue.has_work()
