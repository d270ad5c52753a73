"""The archive's record rules: list + detail + stats, never overwrite fresher data."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jqcli.domain.archive import (
    NEEDS_DETAIL,
    NEEDS_STATS,
    clean_record,
    detail_fragment,
    failure,
    is_legacy,
    list_fragment,
    merge,
    needs,
    seed_record,
    stats_fragment,
    worth_writing,
)
from tests.fakes import FakeCommunityFeed, make_post

T1, T2, T3 = "2026-04-25 10:00:00", "2026-04-25 11:00:00", "2026-04-26 12:00:00"


def detail_post(key: str, views: int) -> dict:
    post = dict(FakeCommunityFeed(1).post_detail("uk00001").post)
    post.update(id=key, post_id="alias-x", view_count=views, content="全文")
    return post


def test_list_detail_and_stats_merge_into_one_record() -> None:
    item = make_post(1).item
    record = merge(None, list_fragment(item, T1))
    assert needs(record) == NEEDS_DETAIL | NEEDS_STATS
    record = merge(record, detail_fragment(item["id"], detail_post(item["id"], 5), T2))
    record = merge(record, stats_fragment(item["id"], {"sharpe": 1.0, "excess_return_sharpe": "2"}, T2))
    assert needs(record) == 0
    assert (
        record["content"] == "全文" and record["internal_post_id"] == "alias-x" and record["post_id"] == "rot-uk00001"
    )
    assert record["backtest"]["stats"] == {"sharpe": 1.0} and record["backtest"]["name"] == "策略"
    assert record["list_fetched_at"] == T1 and record["detail_fetched_at"] == T2


def test_older_list_data_never_overwrites_a_fresher_detail() -> None:
    key = make_post(1).id
    record = merge(None, detail_fragment(key, detail_post(key, 50), T2))
    stale = dict(make_post(1).item, view_count=3)
    record = merge(record, list_fragment(stale, T1))
    assert record["view_count"] == 50 and record["list_fetched_at"] == T1 and record["content_preview"] == "…"
    fresher = dict(make_post(1).item, view_count=70)
    assert merge(record, list_fragment(fresher, T3))["view_count"] == 70


def test_missing_values_never_erase_present_ones() -> None:
    key = make_post(1).id
    record = merge(None, detail_fragment(key, detail_post(key, 5), T1))
    assert merge(record, list_fragment(make_post(1).item, T2))["content"] == "全文"


def test_failures_are_recorded_retried_and_cleared_on_success() -> None:
    key = make_post(1).id
    record = merge(None, list_fragment(make_post(1).item, T1))
    record = merge(record, failure(key, "detail", message="boom", code="network_error", at=T1, previous=record))
    record = merge(record, failure(key, "detail", message="boom", code="network_error", at=T2, previous=record))
    assert record["detail_error"]["attempts"] == 2 and needs(record) & NEEDS_DETAIL
    record = merge(record, detail_fragment(key, detail_post(key, 5), T3))
    assert "detail_error" not in record and not needs(record) & NEEDS_DETAIL


def test_seeded_old_record_does_not_overwrite_fresher_store_data() -> None:
    key = make_post(1).id
    fresh = merge(None, list_fragment(dict(make_post(1).item, view_count=99, title="新标题"), T3))
    old = seed_record(dict(make_post(1).item, view_count=1, title="旧标题", list_fetched_at=T1, content="旧正文"))
    merged = merge(fresh, old)
    assert merged["view_count"] == 99 and merged["title"] == "新标题" and merged["content"] == "旧正文"
    assert merged["id"] == key


def test_legacy_records_are_recognised() -> None:
    assert is_legacy({"id": "rotating", "title": "x"})
    assert not is_legacy(merge(None, list_fragment(make_post(1).item, T1)))


def test_volatile_counter_refresh_waits_a_day_other_changes_do_not() -> None:
    old = merge(None, list_fragment(make_post(1).item, T1))
    counters = merge(old, list_fragment(dict(make_post(1).item, view_count=1234), T2))
    assert not worth_writing(old, counters, T2)
    assert worth_writing(old, merge(old, list_fragment(dict(make_post(1).item, view_count=1234), T3)), T3)
    retitled = merge(old, list_fragment(dict(make_post(1).item, title="改了"), T2))
    assert worth_writing(old, retitled, T2)
    assert not worth_writing(old, merge(old, list_fragment(make_post(1).item, T2)), T2)


stamps = st.sampled_from(["", T1, T2, T3])


@given(a_at=stamps, b_at=stamps, a_views=st.integers(0, 9), b_views=st.integers(0, 9))
def test_merge_keeps_the_value_of_the_fresher_source_in_any_order(a_at, b_at, a_views, b_views) -> None:
    a = list_fragment(dict(make_post(1).item, view_count=a_views), a_at)
    b = list_fragment(dict(make_post(1).item, view_count=b_views), b_at)
    one, two = merge(merge(None, a), b), merge(merge(None, b), a)
    if a_at != b_at:
        winner = a_views if a_at > b_at else b_views
        assert one["view_count"] == two["view_count"] == winner
    assert one.get("list_fetched_at", "") == two.get("list_fetched_at", "") == max(a_at, b_at)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
FIELDS = ("legacy_ids", "author", "backtest", "published_at", "title", "tags", "detail_error", "stats_error")


def test_wrongly_typed_fields_are_coerced_or_dropped() -> None:
    bad = {"id": 7, "legacy_ids": 5, "author": "x", "published_at": 20200101, "tags": "a,b"}
    record, fixed = clean_record(bad)
    assert record == {"id": "7", "published_at": "20200101"}
    assert set(fixed) == {"legacy_ids", "author", "published_at", "tags"}
    assert clean_record({"id": "a", "legacy_ids": ["x", 3, None]})[0]["legacy_ids"] == ["x", "3"]
    good = merge(None, list_fragment(make_post(1).item, T1))
    assert clean_record(good) == (good, ())


@given(st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=6))
def test_any_json_in_the_known_fields_never_breaks_the_record_rules(fields) -> None:
    record, _ = clean_record({"id": "uk1", **fields})
    fresh = list_fragment(make_post(1).item, T2)
    merged = merge(record, dict(fresh, id="uk1", legacy_ids=["old"]))
    needs(merged)
    failure("uk1", "detail", message="m", code="c", at=T3, previous=record)
    assert merged["id"] == "uk1" and "old" in merged["legacy_ids"]


_VALUES = st.one_of(
    st.none(), st.integers(-5, 5), st.text(max_size=4), st.booleans(), st.lists(st.integers(0, 3), max_size=2)
)
_NESTED = st.dictionaries(st.sampled_from(["id", "name", "pic_url", "stats", "clone_count", "x"]), _VALUES, max_size=4)
_RECORDS = st.fixed_dictionaries(
    {"id": st.sampled_from(["uk1", "uk2", ""])},
    optional={
        "title": _VALUES,
        "post_id": _VALUES,
        "content": _VALUES,
        "published_at": st.sampled_from([T1, T2, ""]),
        "list_fetched_at": st.sampled_from([T1, T2, "", None]),
        "detail_fetched_at": st.sampled_from([T1, T3, "", None]),
        "stats_fetched_at": st.sampled_from([T2, "", None]),
        "author": st.one_of(_NESTED, _VALUES),
        "backtest": st.one_of(_NESTED, _VALUES),
        "detail_error": st.one_of(st.none(), st.just({"code": "api_error", "attempts": 1})),
        "stats_error": st.one_of(st.none(), st.just({"code": "x", "attempts": 2})),
        "legacy_ids": st.one_of(st.none(), st.lists(st.sampled_from(["a", "b", "uk1"]), max_size=3)),
        "unknown": _VALUES,
    },
)


@given(_RECORDS)
def test_the_first_merge_fast_path_equals_the_general_rule(new) -> None:
    from jqcli.domain.archive import _merge_general

    assert merge(None, new) == _merge_general(None, new)
    assert list(merge({}, new)) == list(_merge_general({}, new))  # the key order of the JSONL line too


@given(st.builds(lambda n, t: list_fragment(make_post(n).item, t), st.integers(1, 500), st.sampled_from([T1, T2])))
def test_a_list_fragment_of_a_new_post_merges_like_the_general_rule(fragment) -> None:
    from jqcli.domain.archive import _merge_general

    assert merge(None, fragment) == _merge_general(None, fragment)
