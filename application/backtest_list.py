"""``backtest ls``: a strategy's formal or compile-run history.

Its own module: listing is the most frequent backtest call of an agent loop, and it needs none of
the result pages' models that the other backtest use cases build.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, List, Optional, Tuple

from jqcli.application.targets import resolve_edit_id
from jqcli.domain.backtest import filter_rows

if TYPE_CHECKING:
    from jqcli.application.ports import BacktestGateway, StrategyGateway
    from jqcli.domain.backtest import BacktestRow, Mode


class ListBacktests:
    """``backtest ls``: a strategy's formal or compile-run history (a plain class: no attrs to build)."""

    __slots__ = ("strategies", "backtests", "read_ahead")

    def __init__(self, strategies: StrategyGateway, backtests: BacktestGateway, read_ahead: int = 4) -> None:
        self.strategies = strategies
        self.backtests = backtests
        self.read_ahead = read_ahead  # history pages read at a time when every row is wanted

    def execute(
        self, target: str, mode: Mode, *, status: str = "all", limit: Optional[int] = 50
    ) -> Tuple[str, List[BacktestRow]]:
        """The strategy id used and its rows (newest first, as the site lists them)."""
        strategy_id = resolve_edit_id(self.strategies, target, action="查看回测")
        # with a limit, pages are read one by one and only as far as needed; without, read_ahead at a time
        read_ahead = 1 if limit else self.read_ahead
        rows = filter_rows(self.backtests.list_backtests(strategy_id, mode, read_ahead=read_ahead), status)
        # newest first: with a limit, history pages past the first ``limit`` matches are never fetched
        return strategy_id, list(rows if limit is None else itertools.islice(rows, limit))
