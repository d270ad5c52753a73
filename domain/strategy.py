"""Strategies: value objects and the rules for finding the right one (protocol.md §1.6, §2.3–2.7).

Every opaque id on the strategy pages is re-minted per response while old ids
keep working, so a strategy is never identified by comparing a freshly listed
id with an older one.  Writes that need the list's row id resolve their target
by name and refuse when the name is ambiguous; nothing ever falls back to
"the most recently updated strategy".
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import attrs

from jqcli.domain.errors import NotFound, UsageError
from jqcli.domain.ids import looks_like_id as looks_like_id  # re-exported: callers import it from here
from jqcli.domain.strategy_detail import StrategyDetail as StrategyDetail  # re-exported

SORT_KEYS: Tuple[str, ...] = ("updated", "name", "created")
STRATEGY_TYPES: Tuple[str, ...] = ("stock", "futures")
DEFAULT_LIMIT = 50

DEFAULT_CODE = """# 导入函数库
from jqdata import *


def initialize(context):
    # 设定沪深300作为基准
    set_benchmark('000300.XSHG')
    # 开启动态复权模式(真实价格)
    set_option('use_real_price', True)


def handle_data(context, data):
    pass
"""


@attrs.frozen
class Strategy:
    """One row of the strategy list (``/algorithm/index/list``)."""

    id: str  # edit id: the edit link's algorithmId
    internal_id: str  # row id: ``_algorithmId`` (delete, move-to-folder)
    name: str
    type: str = "Code"
    updated_at: str = ""
    created_at: str = ""
    run_count: Optional[object] = None  # int, or the raw cell text when it is not a number
    backtest_count: Optional[object] = None
    history_id: str = ""  # the backtest-count link's algorithmId
    folder_id: Optional[str] = None


@attrs.frozen
class Folder:
    """A folder row of the strategy list (``_fId``)."""

    id: str
    name: str
    parent_id: Optional[str] = None


@attrs.frozen
class SavedStrategy:
    """What a create/edit left behind."""

    id: str  # an edit id that opens the strategy (re-resolved from the list when the name is unique)
    save_id: str
    name: str
    response: object = None


def sort_strategies(items: Iterable[Strategy], key: str) -> List[Strategy]:
    """``updated``: newest first; ``name``: by code point; ``created``: as listed (the site has no dates)."""
    rows = list(items)
    if key == "updated":
        return sorted(rows, key=lambda s: s.updated_at, reverse=True)
    if key == "name":
        return sorted(rows, key=lambda s: s.name)
    if key == "created":
        return rows
    raise UsageError(f"不支持的排序方式: {key}", details={"choices": list(SORT_KEYS)})


def limit_items(items: Sequence[Strategy], limit: Optional[int]) -> List[Strategy]:
    """At most ``limit`` rows (``None`` = all)."""
    return list(items) if limit is None else list(items)[:limit]


def candidates_payload(rows: Sequence[Strategy]) -> List[Dict[str, object]]:
    """The rows of an ambiguity error, for ``details.candidates``."""
    return [
        {"id": s.id, "internal_id": s.internal_id, "name": s.name, "updated_at": s.updated_at, "folder_id": s.folder_id}
        for s in rows
    ]


def name_key(name: str) -> str:
    """Names compare with whitespace runs collapsed: HTML rendering may not keep them exactly."""
    return " ".join(name.split())


def rows_named(rows: Iterable[Strategy], name: str) -> List[Strategy]:
    key = name_key(name)
    return [s for s in rows if name_key(s.name) == key]


def row_with_id(rows: Iterable[Strategy], target: str) -> Optional[Strategy]:
    """The row whose current edit id or row id is ``target`` (rarely matches: ids rotate)."""
    for s in rows:
        if target in (s.id, s.internal_id, s.history_id):
            return s
    return None


def single_by_name(rows: Sequence[Strategy], name: str, *, action: str) -> Strategy:
    """The only row called ``name``; NotFound when none, UsageError listing candidates when several."""
    found = rows_named(rows, name)
    if not found:
        raise NotFound(f"没有名为「{name}」的策略", details={"name": name})
    if len(found) > 1:
        raise ambiguous(name, found, action=action)
    return found[0]


def ambiguous(name: str, rows: Sequence[Strategy], *, action: str) -> UsageError:
    return UsageError(
        f"有 {len(rows)} 个策略都叫「{name}」,无法确定要{action}哪一个,已拒绝",
        details={"name": name, "candidates": candidates_payload(rows)},
        hint="先用 jqcli strategy edit <id> --name <新名称> 给其中一个改名(按 id 编辑不会混淆),再重试",
    )


def validate_name(name: str) -> str:
    """Strategy names: trimmed, non-empty, one line."""
    cleaned = name.strip()
    if not cleaned:
        raise UsageError("策略名称不能为空")
    if "\n" in cleaned or "\r" in cleaned:
        raise UsageError("策略名称不能包含换行")
    return cleaned
