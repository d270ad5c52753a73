"""The ``data`` shapes of the build and log answers, structured by the cattrs converter (protocol.md A.5, A.7).

Their own module: only ``backtest run`` and ``backtest logs`` build these classes.
"""

from __future__ import annotations

from typing import Any, List

import attrs


@attrs.frozen
class BuildData:
    """``/algorithm/index/build`` → ``data`` (protocol.md A.5); ``backtestId_`` is a string or a number."""

    algorithmId: str = ""  # field names are the wire's
    backtestId: str = ""
    backtestId_: str = ""


@attrs.frozen
class LogData:
    """``/backtest/log`` and ``/backtest/error`` → ``data`` (protocol.md A.7)."""

    logArr: List[str] = attrs.field(factory=list)
    state: Any = None
    offset: Any = None
    max: bool = False
