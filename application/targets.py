"""Resolving a strategy target (an id or a name) to an edit id.

Its own module, without the use cases of ``strategies``: ``backtest ls <id>`` and ``backtest run``
resolve a target, and an id needs nothing but ``domain.ids``; only a name imports the strategy
rules (and reads the list).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jqcli.domain.errors import UsageError
from jqcli.domain.ids import looks_like_id

if TYPE_CHECKING:
    from jqcli.application.ports import StrategyGateway


def resolve_edit_id(strategies: StrategyGateway, target: str, *, action: str) -> str:
    """An edit id for ``target``: ids pass through (old ids keep working), names must be unique."""
    target = target.strip()
    if not target:
        raise UsageError("缺少策略 id 或名称")
    if looks_like_id(target):
        return target
    from jqcli.domain.strategy import single_by_name

    return str(single_by_name(strategies.list_strategies(), target, action=action).id)


def current_id(strategies: StrategyGateway, name: str, fallback: str) -> str:
    """The list's current edit id for ``name`` when exactly one row has it, else ``fallback``."""
    from jqcli.domain.strategy import rows_named

    found = rows_named(strategies.list_strategies(), name)
    return found[0].id if len(found) == 1 else fallback
