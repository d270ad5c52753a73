"""The public, typed library API for applications that embed jqcli.

``jqcli`` is a namespace package (the four source folders mapped onto ``jqcli.*``,
with no ``jqcli/__init__.py``), so there is no ``jqcli.connect``: this module is the
surface.  It is not re-exported by ``jqcli/entrypoints/__init__.py`` on purpose, because
that package is imported by every ``jqcli`` command line and must stay cheap.

    from jqcli.entrypoints.library import connect

    with connect(sandbox=True) as jq:
        for strategy in jq.list_strategies(limit=5):
            print(strategy.id, strategy.name)

``connect`` resolves settings exactly like the command line (arguments > ``JQCLI_*``
environment / ``.env`` > the saved config).  Every method checks its arguments with the
command line's rules before any request is sent (a date like ``2024/01/02``, an empty
strategy id or a negative capital is a ``UsageError``); failures are the subclasses of
``jqcli.domain.errors.JqcliError`` whose ``code`` is the CLI's error code.  What the
methods return are the use cases' own values (attrs classes of ``jqcli.domain`` and
``jqcli.application``).  Arguments are checked before the use case is even built (building it
opens the session).  ``Jqcli.services`` is the composition root itself, one typed
factory per use case, for everything the facade does not wrap.
"""

from __future__ import annotations

import datetime
import os
from typing import TYPE_CHECKING, Callable, Dict, List, Mapping, Optional, TypeVar

from jqcli.domain.errors import UsageError
from jqcli.entrypoints.bootstrap import Services
from jqcli.entrypoints.bootstrap import connect as connect_services

if TYPE_CHECKING:
    from jqcli.application.backtests import BacktestView, StatsOutcome
    from jqcli.application.community import DetailRequest
    from jqcli.application.ports import SessionInfo
    from jqcli.application.run_backtest import RunOutcome
    from jqcli.application.strategies import DeletedStrategy
    from jqcli.domain.backtest import BacktestRow
    from jqcli.domain.strategy import SavedStrategy, Strategy, StrategyDetail

__all__ = ["Jqcli", "connect", "UsageError"]

SORT_KEYS = ("name", "created", "updated")
BACKTEST_STATUSES = ("all", "running", "done", "failed", "cancelled")
_T = TypeVar("_T")


def connect(
    *,
    api_base: Optional[str] = None,
    cookie: Optional[str] = None,
    token: Optional[str] = None,
    config: Optional[str] = None,
    env_file: Optional[str] = None,
    sandbox: bool = False,
    timeout: float = 30.0,
    allow_custom_api_base: bool = False,
    environ: Optional[Mapping[str, str]] = None,
    cwd: Optional[str] = None,
) -> Jqcli:
    """A ``Jqcli`` on the site the arguments choose (``sandbox=True``: the embedded sandbox).

    ``environ`` and ``cwd`` default to the process's; pass them to keep an application's
    environment out of it.  Use the result as a context manager: at the end a session cookie
    the site rotated is saved back (only when it came from the config file) and connections
    are released.
    """
    _checked(timeout, "timeout", _argtype("timeout_seconds"))
    services = connect_services(
        api_base=api_base,
        cookie=cookie,
        token=token,
        config=config,
        env_file=env_file,
        sandbox=sandbox,
        timeout=timeout,
        allow_custom_api_base=allow_custom_api_base,
        environ=os.environ if environ is None else environ,
        cwd=cwd or os.getcwd(),
    )
    return Jqcli(services)


class Jqcli:
    """Typed, validated calls to jqcli's use cases; ``services`` gives the rest."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def __enter__(self) -> Jqcli:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.services.close()

    # -- auth -----------------------------------------------------------------------------------
    def session_info(self) -> SessionInfo:
        """Who the site says is logged in (``logged_in`` false when the session expired)."""
        return self.services.auth_gateway().session_info()

    # -- strategies -----------------------------------------------------------------------------
    def list_strategies(self, *, sort: str = "updated", limit: Optional[int] = 50) -> List[Strategy]:
        """Every strategy of the account (all pages and folders), sorted, at most ``limit`` (None: all)."""
        _choice(sort, "sort", SORT_KEYS)
        _limit(limit)
        return self.services.list_strategies().execute(sort=sort, limit=limit)

    def show_strategy(self, strategy: str) -> StrategyDetail:
        """A strategy (id, or unique name) with its source code."""
        target = _target(strategy, "strategy")
        return self.services.show_strategy().execute(target)

    def create_strategy(self, name: str, code: Optional[str] = None) -> SavedStrategy:
        """A new strategy (``code`` None: the site's minimal template)."""
        checked = _target(name, "name")
        return self.services.create_strategy().execute(checked, code)

    def edit_strategy(self, strategy: str, *, name: Optional[str] = None, code: Optional[str] = None) -> SavedStrategy:
        """Rename a strategy and/or replace its code."""
        target = _target(strategy, "strategy")
        if name is None and code is None:
            raise UsageError("没有要修改的内容:请给出 name 或 code", details={"argument": "name"})
        new_name = None if name is None else _target(name, "name")
        return self.services.edit_strategy().execute(target, name=new_name, code=code)

    def delete_strategy(self, strategy: str) -> DeletedStrategy:
        target = _target(strategy, "strategy")
        return self.services.delete_strategy().execute(target)

    # -- backtests ------------------------------------------------------------------------------
    def run_backtest(
        self,
        strategy: str,
        *,
        start: str,
        end: Optional[str] = None,
        capital: Optional[float] = None,
        frequency: str = "day",
        compile_run: bool = False,
        use_credit: bool = False,
        wait: bool = False,
        wait_timeout: float = 1800.0,
        poll_interval: float = 5.0,
    ) -> RunOutcome:
        """Start a formal backtest (``compile_run``: a compile run); with ``wait``, poll until it ends.

        ``start``/``end`` are ``YYYY-MM-DD`` (``end`` defaults to the previous weekday).  Never
        retried: a failure after the request was sent says so, check before starting again.
        """
        from jqcli.domain.backtest import FREQUENCIES, mode_for
        from jqcli.domain.backtest_build import BacktestRequest
        from jqcli.domain.dates import check_range, default_end
        from jqcli.domain.polling import WaitPolicy

        target = _target(strategy, "strategy")
        first = _date(start, "start")
        last = default_end(datetime.date.today()) if end is None else _date(end, "end")
        check_range(first, last)
        if capital is not None:
            _checked(capital, "capital", _argtype("amount"))
        _choice(frequency, "frequency", FREQUENCIES)
        policy = None
        if wait:
            positive = _argtype("positive_float")
            policy = WaitPolicy(
                poll_interval=_checked(poll_interval, "poll_interval", positive),
                timeout=_checked(wait_timeout, "wait_timeout", positive),
            )
        request = BacktestRequest(
            strategy_id=target,
            start=first,
            end=last,
            mode=mode_for(compile_run),
            capital=None if capital is None else float(capital),
            frequency=frequency,
            use_credit=use_credit,
        )
        return self.services.run_backtest().execute(request, wait=policy)

    def list_backtests(
        self, strategy: str, *, compile_runs: bool = False, status: str = "all", limit: Optional[int] = 50
    ) -> List[BacktestRow]:
        """A strategy's backtests (``compile_runs``: its compile runs), newest first."""
        from jqcli.domain.backtest import mode_for

        target = _target(strategy, "strategy")
        _choice(status, "status", BACKTEST_STATUSES)
        _limit(limit)
        _, rows = self.services.list_backtests().execute(target, mode_for(compile_runs), status=status, limit=limit)
        return rows

    def show_backtest(self, backtest_id: str) -> BacktestView:
        """Detail page, the code the run used, its metrics and status."""
        target = _target(backtest_id, "backtest_id")
        return self.services.show_backtest().execute(target)

    def read_backtest_stats(self, backtest_id: str) -> StatsOutcome:
        """The return and risk metrics of a backtest."""
        target = _target(backtest_id, "backtest_id")
        return self.services.read_backtest_stats().execute(target)

    # -- community ------------------------------------------------------------------------------
    def list_latest_posts(
        self,
        *,
        page_size: int = 50,
        max_pages: Optional[int] = 1,
        until: Optional[str] = None,
        since_id: str = "",
        list_type: int = 1,
        tags: str = "",
    ) -> List[Dict[str, object]]:
        """The newest community posts, as ``community latest`` lists them (its ``items``)."""
        from jqcli.domain.community import LatestProgress, LatestQuery
        from jqcli.domain.timeparse import parse_until

        _checked(page_size, "page_size", _argtype("positive_int"))
        if max_pages is not None:
            _checked(max_pages, "max_pages", _argtype("positive_int"))
        _checked(list_type, "list_type", _argtype("non_negative_int"))
        query = LatestQuery(
            page_size=page_size,
            max_pages=max_pages,
            until=parse_until(until),
            until_raw=until or None,
            since_id=since_id.strip(),
            list_type=list_type,
            tags=tags.replace(" ", ""),
        )
        items: List[Dict[str, object]] = []
        for _page, scan in self.services.list_latest_posts().execute(query, LatestProgress()):
            items.extend(dict(post.item) for post in scan.emit)
        return items

    def read_post_detail(
        self, post_id: str, *, reply_page: int = 1, reply_pages: Optional[int] = 1, with_backtest_stats: bool = False
    ) -> Dict[str, object]:
        """A post and a page range of its discussion (``reply_pages`` None: all), as ``community detail``."""
        from jqcli.application.community import DetailRequest

        request: DetailRequest = DetailRequest(
            _target(post_id, "post_id"),
            reply_page=_checked(reply_page, "reply_page", _argtype("positive_int")),
            reply_pages=None if reply_pages is None else _checked(reply_pages, "reply_pages", _argtype("positive_int")),
            with_backtest_stats=with_backtest_stats,
        )
        from jqcli.entrypoints.presenters_community import post_reading

        return post_reading(self.services.read_post_detail().execute(request))


# -- argument checks: the command line's own rules (jqcli.entrypoints.argtypes) -------------------


def _argtype(name: str) -> Callable[[str], object]:
    from jqcli.entrypoints import argtypes

    parse: Callable[[str], object] = getattr(argtypes, name)
    return parse


def _checked(value: _T, argument: str, parse: Callable[[str], object]) -> _T:
    """``value`` unchanged if the CLI would accept its text; else a ``UsageError`` naming ``argument``."""
    import argparse

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{argument} 应为数字,收到 {type(value).__name__}", details={"argument": argument})
    try:
        parse(repr(value) if isinstance(value, float) else str(value))
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"{argument} 无效:{exc}", details={"argument": argument}) from None
    return value


def _date(value: str, argument: str) -> str:
    import argparse

    from jqcli.entrypoints.argtypes import iso_date

    if not isinstance(value, str):
        raise UsageError(f"{argument} 应为 YYYY-MM-DD 字符串", details={"argument": argument})
    try:
        return iso_date(value)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"{argument} 无效:{exc}", details={"argument": argument, "value": value}) from None


def _target(value: str, argument: str) -> str:
    """A non-empty id or name (surrounding spaces removed)."""
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{argument} 不能为空", details={"argument": argument})
    return value.strip()


def _choice(value: str, argument: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UsageError(
            f"{argument} 应为 {'、'.join(choices)} 之一,收到 {value!r}", details={"argument": argument, "value": value}
        )


def _limit(limit: Optional[int]) -> None:
    if limit is not None:
        _checked(limit, "limit", _argtype("positive_int"))
