"""What ``strategy show`` reads: the editor page of one strategy (protocol.md §2.4).

Apart from ``domain.strategy`` (the list's rows, folders and rules), which ``strategy show`` and
``backtest run`` never need.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class StrategyDetail:
    """The editor page of one strategy (``/algorithm/index/edit``)."""

    id: str  # the edit id the page was opened with
    save_id: str  # ``algorithm[algorithmId]``: what save/build take
    name: str
    code: str
    backtest_id: str = ""  # ``#backtestId``: the strategy's last backtest (may be empty)
    type: str = "Code"
