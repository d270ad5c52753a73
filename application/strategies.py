"""Strategy use cases: ls, show, new, edit, rm (and the target resolution they share).

A target is an id (32 hex; any id the site ever issued keeps opening the
strategy) or a name.  Names resolve against a fresh list and must be unique.
A delete resolves its operation id right before writing, because list ids
rotate per response (protocol.md §1.6): an id through its own editor page, a
name through a fresh list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Mapping, Optional

import attrs

from jqcli.application.targets import current_id as current_id  # re-exported: callers import them from here
from jqcli.application.targets import resolve_edit_id as resolve_edit_id
from jqcli.domain.errors import UsageError

if TYPE_CHECKING:  # the list's models and rules are imported by the use cases that need them
    from jqcli.application.ports import StrategyGateway
    from jqcli.domain.strategy import SavedStrategy, Strategy
    from jqcli.domain.strategy_detail import StrategyDetail


class _OnStrategies:
    """A use case over the strategy pages.  Plain classes, not attrs: ``strategy show`` builds one,
    and each attrs class costs its generated methods' compilation at import."""

    __slots__ = ("strategies",)

    def __init__(self, strategies: StrategyGateway) -> None:
        self.strategies = strategies


class ListStrategies(_OnStrategies):
    """``strategy ls``: every strategy of the account, sorted locally, optionally truncated."""

    def execute(self, *, sort: str = "updated", limit: Optional[int] = 50) -> List[Strategy]:
        from jqcli.domain.strategy import limit_items, sort_strategies

        return list(limit_items(sort_strategies(self.strategies.list_strategies(), sort), limit))


class ShowStrategy(_OnStrategies):
    """``strategy show``: the editor page of one strategy (name, save id, exact source)."""

    def execute(self, target: str) -> StrategyDetail:
        return self.strategies.get_strategy(resolve_edit_id(self.strategies, target, action="查看"))


class CreateStrategy(_OnStrategies):
    """``strategy new``: create a strategy holding ``code`` (a runnable template when omitted)."""

    def execute(self, name: str, code: Optional[str] = None) -> SavedStrategy:
        from jqcli.domain.strategy import DEFAULT_CODE, validate_name

        name = validate_name(name)
        created = self.strategies.create_strategy(name, DEFAULT_CODE if code is None else code)
        return attrs.evolve(created, id=current_id(self.strategies, name, created.id))


class EditStrategy(_OnStrategies):
    """``strategy edit``: rename and/or replace the code of one strategy."""

    def execute(self, target: str, *, name: Optional[str] = None, code: Optional[str] = None) -> SavedStrategy:
        if name is None and code is None:
            raise UsageError("没有要修改的内容:请传 --name、--file 或 --code-stdin")
        from jqcli.domain.strategy import validate_name

        new_name = validate_name(name) if name is not None else None
        edit_id = resolve_edit_id(self.strategies, target, action="修改")
        saved = self.strategies.save_strategy(edit_id, name=new_name, code=code)
        return attrs.evolve(saved, id=current_id(self.strategies, saved.name, edit_id))


@attrs.frozen
class DeletedStrategy:
    """What ``strategy rm`` removed (``id``: the row's current edit id)."""

    id: str
    internal_id: str
    name: str
    response: Mapping[str, object]


class DeleteStrategy(_OnStrategies):
    """``strategy rm``: delete one strategy by an operation id resolved right before the write.

    A name resolves against a fresh list and must be unique.  An id resolves through its own
    editor page (``edit?algorithmId=<id>``, which every id ever issued opens): the page's
    ``algorithm[algorithmId]`` names exactly that strategy, so one of two same-named
    strategies can be deleted by id even though list ids rotate on every response.
    """

    def execute(self, target: str) -> DeletedStrategy:
        from jqcli.domain.ids import looks_like_id
        from jqcli.domain.strategy import single_by_name

        target = target.strip()
        if not target:
            raise UsageError("缺少策略 id 或名称")
        if looks_like_id(target):
            detail = self.strategies.get_strategy(target)
            response = self.strategies.delete_strategy(detail.save_id)
            return DeletedStrategy(id=target, internal_id=detail.save_id, name=detail.name, response=response)
        row = single_by_name(self.strategies.list_strategies(), target, action="删除")
        response = self.strategies.delete_strategy(row.internal_id)
        return DeletedStrategy(id=row.id, internal_id=row.internal_id, name=row.name, response=response)
