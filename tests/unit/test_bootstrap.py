"""The composition root: typed factories, Settings from Flags, the archive session."""

from __future__ import annotations

import argparse
from typing import Dict

import pytest

from jqcli.application import backtests, community, results, run_backtest, strategies, sync_community
from jqcli.domain.errors import FileError, UsageError
from jqcli.entrypoints.bootstrap import Services, build_settings, connect
from jqcli.entrypoints.settings import Flags


def env_for(tmp_path) -> Dict[str, str]:
    return {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "JQCLI_COOKIE": "PHPSESSID=a; token=b",
    }


FACTORIES = {
    "list_strategies": strategies.ListStrategies,
    "show_strategy": strategies.ShowStrategy,
    "create_strategy": strategies.CreateStrategy,
    "edit_strategy": strategies.EditStrategy,
    "delete_strategy": strategies.DeleteStrategy,
    "run_backtest": run_backtest.RunBacktest,
    "list_backtests": backtests.ListBacktests,
    "show_backtest": backtests.ShowBacktest,
    "read_backtest_stats": backtests.ReadBacktestStats,
    "read_backtest_curves": backtests.ReadBacktestCurves,
    "read_backtest_logs": backtests.ReadBacktestLogs,
    "delete_backtest": backtests.DeleteBacktest,
    "list_latest_posts": community.ListLatestPosts,
    "read_post_detail": community.ReadPostDetail,
    "check_clone": community.CheckClone,
    "clone_strategy": community.CloneStrategy,
    "read_risk_windows": results.ReadRiskWindows,
    "export_backtest": results.ExportBacktest,
    "read_curve": results.ReadCurve,
    "build_report": results.BuildReport,
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_each_use_case_has_its_own_typed_factory(tmp_path, name: str) -> None:
    with connect(environ=env_for(tmp_path), cwd=str(tmp_path)) as services:
        assert type(getattr(services, name)()) is FACTORIES[name]


def test_the_string_lookups_are_gone(tmp_path) -> None:
    with connect(environ=env_for(tmp_path), cwd=str(tmp_path)) as services:
        assert not hasattr(services, "strategy_use_case") and not hasattr(services, "backtest_use_case")


def test_connect_builds_settings_from_its_arguments(tmp_path) -> None:
    with connect(api_base="https://www.joinquant.com/", timeout=5, environ=env_for(tmp_path), cwd=str(tmp_path)) as s:
        assert s.settings.flags == Flags(
            api_base="https://www.joinquant.com/", timeout=5, format="json", quiet=True, non_interactive=True
        )
        assert s.settings.api_base == "https://www.joinquant.com" and s.settings.timeout == 5.0
    with pytest.raises(UsageError):
        connect(sandbox=True, token="t" * 40, environ=env_for(tmp_path), cwd=str(tmp_path))


def test_flags_from_a_namespace_keep_defaults_for_what_is_missing() -> None:
    flags = Flags.from_args(argparse.Namespace(api_base="http://127.0.0.1:9", debug=True, handler=print))
    assert flags == Flags(api_base="http://127.0.0.1:9", debug=True)


def test_settings_read_files_only_through_what_bootstrap_hands_in(tmp_path) -> None:
    (tmp_path / ".env").write_text("JQCLI_PAGE_WORKERS=2\n", encoding="utf-8")
    settings = build_settings(Flags(), {"HOME": str(tmp_path)}, str(tmp_path))
    assert settings.page_workers == 2 and settings.env_file == str(tmp_path / ".env")


def test_the_archive_session_opens_under_the_lock_and_closes(tmp_path) -> None:
    store, state = tmp_path / "a.jsonl", tmp_path / "a.state.json"
    services = Services(build_settings(Flags(), env_for(tmp_path), str(tmp_path)))
    with services.archive_session(str(store), str(state)) as session:
        assert isinstance(session.sync, sync_community.SyncCommunity)
        with pytest.raises(FileError, match="另一个归档进程"), services.archive_session(str(store), str(state)):
            pass
    with services.archive_session(str(store), str(state)):  # released at the end of the first
        pass


def test_lazy_strategy_gateway_builds_the_real_one_on_first_call_only() -> None:
    from jqcli.entrypoints.bootstrap import LazyStrategyGateway
    from tests.fakes import FakeStrategyGateway

    built = []

    def build() -> FakeStrategyGateway:
        built.append(FakeStrategyGateway())
        return built[-1]

    lazy = LazyStrategyGateway(build)
    assert built == []  # nothing built until a call needs the strategy pages
    saved = lazy.create_strategy("甲", "pass\n")
    assert lazy.get_strategy(saved.id).code == "pass\n"
    assert [row.name for row in lazy.list_strategies()] == ["甲"]
    assert len(built) == 1
