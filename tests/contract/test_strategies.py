"""Contract: JoinQuantStrategyGateway against recorded traffic (one cassette per test).

Record: ``JQCLI_RECORD=sandbox .venv/bin/pytest tests/contract -p no:randomly`` (see conftest).
Each test creates what it needs, so the cassettes are independent of the account's contents.
"""

from __future__ import annotations

import pytest

from jqcli.adapters.joinquant.strategies import JoinQuantStrategyGateway
from jqcli.domain.errors import NotAuthenticated

TRICKY_CODE = "# 中文策略\ndef initialize(context):\n\tif 1 < 2 and 3 > 2 & True:\n\t\tlog.info('&lt; &amp;')\n\n\n"


PREFIX = "契约-"


def remove_created(gateway: JoinQuantStrategyGateway) -> None:
    """Delete what the test created (so that recording against the real account leaves nothing behind)."""
    for row in gateway.list_strategies():
        if row.name.startswith(PREFIX):
            gateway.delete_strategy(row.internal_id)


@pytest.fixture
def strategies(jq_session):
    gateway = JoinQuantStrategyGateway(jq_session, page_workers=1)  # vcrpy records one request at a time
    yield gateway
    remove_created(gateway)


def test_list_strategies_reads_every_row(strategies) -> None:
    created = strategies.create_strategy("契约-列表", "def initialize(context):\n    pass\n")
    rows = strategies.list_strategies()
    assert any(row.name == "契约-列表" for row in rows)
    assert all(row.id and row.internal_id and row.name for row in rows)
    assert created.id


def test_create_then_get_round_trips_code_byte_for_byte(strategies) -> None:
    created = strategies.create_strategy("契约-新建", TRICKY_CODE)
    detail = strategies.get_strategy(created.id)
    assert detail.code == TRICKY_CODE and detail.name == "契约-新建" and detail.save_id


def test_save_strategy_renames_and_replaces_code(strategies) -> None:
    created = strategies.create_strategy("契约-修改前", "x = 1\n")
    saved = strategies.save_strategy(created.id, name="契约-修改后", code=TRICKY_CODE + "y = 2")
    assert saved.name == "契约-修改后" and saved.save_id
    detail = strategies.get_strategy(created.id)  # the old edit id still opens it
    assert detail.name == "契约-修改后" and detail.code == TRICKY_CODE + "y = 2"


def test_delete_strategy_by_current_row_id(strategies) -> None:
    strategies.create_strategy("契约-删除", "x = 1\n")
    (row,) = [r for r in strategies.list_strategies() if r.name == "契约-删除"]
    response = strategies.delete_strategy(row.internal_id)
    assert str(response.get("code")) == "00000"
    assert not [r for r in strategies.list_strategies() if r.name == "契约-删除"]


def test_expired_cookie_list_is_not_authenticated_never_empty(jq_recorder) -> None:
    with pytest.raises(NotAuthenticated):
        expired = jq_recorder("PHPSESSID=expired0000; token=expired0000")
        JoinQuantStrategyGateway(expired, page_workers=1).list_strategies()


def test_expired_cookie_editor_is_not_authenticated(jq_recorder) -> None:
    gateway = JoinQuantStrategyGateway(jq_recorder("PHPSESSID=expired0000; token=expired0000"), page_workers=1)
    with pytest.raises(NotAuthenticated):
        gateway.get_strategy("0" * 32)


def test_delete_one_of_two_same_named_strategies_by_its_editor_pages_operation_id(strategies) -> None:
    # strategy rm <id>: the given id opens its own editor page; the form's algorithm[algorithmId] is what /del gets
    first = strategies.create_strategy("契约-同名", "first = 1\n")
    strategies.create_strategy("契约-同名", "second = 2\n")
    detail = strategies.get_strategy(first.id)
    response = strategies.delete_strategy(detail.save_id)
    assert str(response.get("code")) == "00000"
    left = [row for row in strategies.list_strategies() if row.name == "契约-同名"]
    assert len(left) == 1
    assert strategies.get_strategy(left[0].id).code == "second = 2\n"
