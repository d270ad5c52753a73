"""What a run's detail page and its log pages say (protocol.md §2.10, §2.15–2.16).

Apart from ``domain.backtest`` so that ``backtest ls`` does not build these classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional, Tuple

import attrs


@attrs.frozen
class BacktestDetail:
    """The detail page (``/algorithm/backtest/detail``)."""

    id: str  # the id the page was opened with
    run_id: str  # ``#backtestId``: what stats/result/log/error/source take
    strategy_id: str = ""
    name: str = ""
    start_date: str = ""
    end_date: str = ""
    capital: Optional[float] = None  # a number, like the history list's (the page shows "￥100000")
    frequency: str = ""
    source_id: str = ""


@attrs.frozen
class LogPage:
    """One answer of ``/backtest/log`` or ``/backtest/error``."""

    lines: Tuple[str, ...]
    state: object = None
    offset: Optional[int] = None
    max: bool = False
    response: Mapping[str, object] = attrs.field(factory=dict)  # the site's whole envelope
