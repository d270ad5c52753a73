"""Strategy use cases against hand-written fakes (ids rotate on every list read)."""

from __future__ import annotations

import pytest

from jqcli.application.strategies import (
    CreateStrategy,
    DeleteStrategy,
    EditStrategy,
    ListStrategies,
    ShowStrategy,
)
from jqcli.domain.errors import NotFound, UsageError
from jqcli.domain.strategy import DEFAULT_CODE
from tests.fakes import FakeStrategyGateway


@pytest.fixture
def gw() -> FakeStrategyGateway:
    return FakeStrategyGateway()


def test_ls_sorts_by_updated_desc_and_limits(gw) -> None:
    for name in ("a", "b", "c"):
        gw.add(name)
    items = ListStrategies(gw).execute(sort="updated", limit=2)
    assert [s.name for s in items] == ["c", "b"]
    assert [s.name for s in ListStrategies(gw).execute(sort="name", limit=None)] == ["a", "b", "c"]


def test_show_by_old_id_still_works_after_rotation(gw) -> None:
    gw.add("x", "code\n")
    old = gw.list_strategies()[0].id
    gw.list_strategies()  # rotate
    assert ShowStrategy(gw).execute(old).code == "code\n"


def test_show_by_unique_name(gw) -> None:
    gw.add("全天候ETF", "print(1)\n")
    assert ShowStrategy(gw).execute("全天候ETF").name == "全天候ETF"


def test_new_uses_template_when_no_code_and_returns_current_list_id(gw) -> None:
    saved = CreateStrategy(gw).execute(" 新策略 ")
    assert saved.name == "新策略"
    assert gw.name_of(saved.id) == "新策略"
    assert gw.records[gw.alias[saved.id]]["code"] == DEFAULT_CODE


def test_new_never_touches_an_existing_strategy_of_the_same_name(gw) -> None:
    first = gw.add("dup", "old\n")
    saved = CreateStrategy(gw).execute("dup", "new\n")
    assert gw.records[first]["code"] == "old\n"
    assert gw.records[gw.alias[saved.id]]["code"] == "new\n"


def test_edit_renames_by_rotated_id(gw) -> None:
    gw.add("old")
    old_id = gw.list_strategies()[0].id
    gw.list_strategies()
    saved = EditStrategy(gw).execute(old_id, name="new")
    assert saved.name == "new" and gw.name_of(saved.id) == "new"


def test_edit_refuses_nothing_to_change(gw) -> None:
    gw.add("x")
    with pytest.raises(UsageError):
        EditStrategy(gw).execute("x")


def test_edit_by_ambiguous_name_refuses_listing_candidates(gw) -> None:
    gw.add("same")
    gw.add("same")
    with pytest.raises(UsageError) as info:
        EditStrategy(gw).execute("same", code="x\n")
    assert len(info.value.details["candidates"]) == 2
    assert gw.saves == []


def test_rm_resolves_rotated_id_through_its_editor_page(gw) -> None:
    key = gw.add("gone")
    gw.add("stays")
    stale = gw.list_strategies()[0].id
    gw.list_strategies()
    calls = gw.list_calls
    deleted = DeleteStrategy(gw).execute(stale)
    assert gw.deleted == [key] and deleted.name == "gone" and deleted.id == stale
    assert gw.list_calls == calls  # resolved by its own editor page, not by name
    assert [r["name"] for r in gw.records.values()] == ["stays"]


def test_rm_by_id_deletes_exactly_one_of_two_same_named_strategies(gw) -> None:
    first = gw.add("twin")
    second = gw.add("twin")
    stale = [row.id for row in gw.list_strategies() if gw.alias[row.id] == second][0]
    gw.list_strategies()  # ids rotate: the given id matches no current row
    DeleteStrategy(gw).execute(stale)
    assert gw.deleted == [second] and list(gw.records) == [first]


def test_rm_by_name_refuses_when_two_rows_share_the_name(gw) -> None:
    gw.add("twin")
    gw.add("twin")
    with pytest.raises(UsageError) as info:
        DeleteStrategy(gw).execute("twin")
    assert {c["name"] for c in info.value.details["candidates"]} == {"twin"}
    assert "hint" in info.value.details
    assert gw.deleted == []


def test_rm_of_an_unknown_id_is_not_found(gw) -> None:
    with pytest.raises(NotFound):
        DeleteStrategy(gw).execute("f" * 32)
    assert gw.deleted == []


def test_rm_unknown_name_is_not_found(gw) -> None:
    with pytest.raises(NotFound):
        DeleteStrategy(gw).execute("nope")


def test_blank_name_is_a_usage_error(gw) -> None:
    with pytest.raises(UsageError):
        CreateStrategy(gw).execute("   ")
