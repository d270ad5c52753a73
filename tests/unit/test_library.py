"""``jqcli.entrypoints.library``: arguments are checked before any request is sent.

The services' transport raises, so every refused call is proven to be refused before the network;
the last tests show that a valid call does reach the transport (the guard is not vacuous), and
that the facade works end to end on the embedded sandbox.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict

import pytest

from jqcli.adapters.http import HttpTransport
from jqcli.domain.errors import UsageError
from jqcli.entrypoints.bootstrap import Services, build_settings
from jqcli.entrypoints.library import Jqcli, connect
from jqcli.entrypoints.settings import Flags


class TransportCalled(AssertionError):
    pass


class NoNetworkServices(Services):
    def transport(self) -> HttpTransport:
        raise TransportCalled("a request was about to be sent")


def env_for(tmp_path) -> Dict[str, str]:
    return {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "data")}


@pytest.fixture()
def jq(tmp_path) -> Jqcli:
    env = {**env_for(tmp_path), "JQCLI_COOKIE": "PHPSESSID=a; token=b"}
    return Jqcli(NoNetworkServices(build_settings(Flags(format="json"), env, str(tmp_path))))


BAD_CALLS: Dict[str, Callable[[Jqcli], Any]] = {
    "slash date": lambda jq: jq.run_backtest("abc", start="2024/01/02"),
    "impossible date": lambda jq: jq.run_backtest("abc", start="2024-02-30"),
    "end date format": lambda jq: jq.run_backtest("abc", start="2024-01-02", end="20240105"),
    "start after end": lambda jq: jq.run_backtest("abc", start="2024-03-01", end="2024-01-02"),
    "date not a string": lambda jq: jq.run_backtest("abc", start=20240102),
    "empty strategy id": lambda jq: jq.run_backtest("", start="2024-01-02"),
    "blank strategy id": lambda jq: jq.show_strategy("   "),
    "negative capital": lambda jq: jq.run_backtest("abc", start="2024-01-02", capital=-1),
    "zero capital": lambda jq: jq.run_backtest("abc", start="2024-01-02", capital=0),
    "nan capital": lambda jq: jq.run_backtest("abc", start="2024-01-02", capital=math.nan),
    "capital as text": lambda jq: jq.run_backtest("abc", start="2024-01-02", capital="100"),
    "frequency": lambda jq: jq.run_backtest("abc", start="2024-01-02", frequency="week"),
    "wait timeout": lambda jq: jq.run_backtest("abc", start="2024-01-02", wait=True, wait_timeout=0),
    "ls limit zero": lambda jq: jq.list_strategies(limit=0),
    "ls sort": lambda jq: jq.list_strategies(sort="size"),
    "edit nothing": lambda jq: jq.edit_strategy("abc"),
    "new empty name": lambda jq: jq.create_strategy(""),
    "delete empty": lambda jq: jq.delete_strategy(""),
    "backtests status": lambda jq: jq.list_backtests("abc", status="odd"),
    "backtests limit": lambda jq: jq.list_backtests("abc", limit=-5),
    "stats empty id": lambda jq: jq.read_backtest_stats(""),
    "show empty id": lambda jq: jq.show_backtest(" "),
    "latest page size": lambda jq: jq.list_latest_posts(page_size=0),
    "latest max pages": lambda jq: jq.list_latest_posts(max_pages=-1),
    "latest until": lambda jq: jq.list_latest_posts(until="yesterday"),
    "detail empty post": lambda jq: jq.read_post_detail(""),
    "detail reply page": lambda jq: jq.read_post_detail("abc", reply_page=0),
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_bad_arguments_are_usage_errors_before_any_request(jq: Jqcli, name: str) -> None:
    with pytest.raises(UsageError) as caught:
        BAD_CALLS[name](jq)
    assert caught.value.code == "usage_error" and caught.value.message


def test_the_message_names_the_argument(jq: Jqcli) -> None:
    with pytest.raises(UsageError, match="start") as caught:
        jq.run_backtest("abc", start="2024/01/02")
    assert caught.value.details["argument"] == "start"


def test_a_valid_call_does_reach_the_transport(jq: Jqcli) -> None:
    with pytest.raises(TransportCalled):
        jq.run_backtest("abc", start="2024-01-02", end="2024-01-05", capital=100000)
    with pytest.raises(TransportCalled):
        jq.list_strategies(limit=None)


def test_connect_checks_the_timeout(tmp_path) -> None:
    with pytest.raises(UsageError):
        connect(sandbox=True, timeout=-1, environ=env_for(tmp_path), cwd=str(tmp_path))


def test_the_facade_on_the_embedded_sandbox(tmp_path) -> None:
    with connect(sandbox=True, environ=env_for(tmp_path), cwd=str(tmp_path)) as jq:
        assert jq.session_info().logged_in
        created = jq.create_strategy("库测试", "def initialize(context):\n    pass\n")
        assert created.id and created.name == "库测试"
        names = [s.name for s in jq.list_strategies(limit=None)]
        assert "库测试" in names
        assert jq.show_strategy("库测试").code == "def initialize(context):\n    pass\n"
        posts = jq.list_latest_posts(page_size=5)
        assert len(posts) == 5 and all(isinstance(p["post_id"], str) for p in posts)
