"""Hand-written fakes of StrategyGateway, BacktestGateway and Clock (issue 4 unit tests).

``FakeStrategyGateway`` rotates ids like the site: every list read mints new
edit/row ids, and every id ever issued keeps resolving.
"""

from __future__ import annotations

import itertools
from typing import Dict, Iterator, List, Optional

from jqcli.domain.backtest import BacktestDetail, BacktestRow, BuildResult, LogPage
from jqcli.domain.errors import ApiError, NotFound
from jqcli.domain.strategy import SavedStrategy, Strategy, StrategyDetail

_counter = itertools.count(1)


def new_id() -> str:
    return f"{next(_counter):032x}"


class FakeStrategyGateway:
    def __init__(self) -> None:
        self.records: Dict[str, dict] = {}  # canonical key -> {"name", "code", "updated"}
        self.alias: Dict[str, str] = {}  # any issued id -> canonical key
        self.deleted: List[str] = []
        self.saves: List[dict] = []
        self.list_calls = 0
        self.tick = 0

    # helpers for tests
    def add(self, name: str, code: str = "pass\n") -> str:
        key = new_id()
        self.tick += 1
        self.records[key] = {"name": name, "code": code, "updated": f"2026-01-01 00:00:{self.tick:02d}"}
        self.alias[key] = key
        return key

    def _mint(self, key: str) -> str:
        issued = new_id()
        self.alias[issued] = key
        return issued

    def _key(self, any_id: str) -> str:
        if any_id not in self.alias or self.alias[any_id] not in self.records:
            raise NotFound(f"no strategy {any_id}")
        return self.alias[any_id]

    # the port
    def list_strategies(self) -> List[Strategy]:
        self.list_calls += 1
        return [
            Strategy(id=self._mint(key), internal_id=self._mint(key), name=rec["name"], updated_at=rec["updated"])
            for key, rec in self.records.items()
        ]

    def get_strategy(self, strategy_id: str) -> StrategyDetail:
        key = self._key(strategy_id)
        rec = self.records[key]
        return StrategyDetail(id=strategy_id, save_id=self._mint(key), name=rec["name"], code=rec["code"])

    def create_strategy(self, name: str, code: str) -> SavedStrategy:
        key = self.add(name, code)
        return SavedStrategy(id=self._mint(key), save_id=self._mint(key), name=name)

    def save_strategy(
        self, strategy_id: str, *, name: Optional[str] = None, code: Optional[str] = None
    ) -> SavedStrategy:
        key = self._key(strategy_id)
        rec = self.records[key]
        if name is not None:
            rec["name"] = name
        if code is not None:
            rec["code"] = code
        self.tick += 1
        rec["updated"] = f"2026-01-01 00:01:{self.tick:02d}"
        self.saves.append({"key": key, "name": name, "code": code})
        return SavedStrategy(id=strategy_id, save_id=self._mint(key), name=rec["name"], response={"code": "00000"})

    def delete_strategy(self, internal_id: str) -> dict:
        key = self._key(internal_id)
        del self.records[key]
        self.deleted.append(key)
        return {"code": "00000", "status": "0", "data": None}

    def name_of(self, any_id: str) -> str:
        return self.records[self._key(any_id)]["name"]


class FakeBacktestGateway:
    """Scripted backtests: ``states`` is the sequence of result states returned by successive polls."""

    def __init__(self, strategies: Optional[FakeStrategyGateway] = None) -> None:
        self.strategies = strategies
        self.builds: List[object] = []
        self.states: List[object] = ["2"]
        self.stats_data: object = {"annual_algo_return": 0.2, "sharpe": 1.5, "algorithm_return": 0.01}
        self.stats_ready_after = 0  # number of stats calls answering [] first
        self.error_lines: List[str] = []
        self.log_lines: List[str] = [f"line {i}" for i in range(250)]
        self.log_max_at: Optional[int] = None
        self.calls: List[tuple] = []
        self.refuse: Optional[Exception] = None
        self.rows: List[BacktestRow] = []
        self.rows_read = 0  # rows the use case actually pulled from the lazy history
        self.read_ahead = 0  # what the last list_backtests call allowed
        self.run_id = "run" + "0" * 29
        self.result_pages: List[dict] = []
        self.stats_calls = 0

    def build(self, request, *, on_send=None) -> BuildResult:
        detail = self.strategies.get_strategy(request.strategy_id) if self.strategies is not None else None
        if on_send is not None:  # the editor page was read; the POST goes out now
            on_send(detail or StrategyDetail(id=request.strategy_id, save_id="", name="", code=""))
        self.calls.append(("build", request.strategy_id))
        if self.refuse:
            raise self.refuse
        self.builds.append(request)
        return BuildResult(id="55544646", list_id="f" * 32, save_id="s" * 32, response={"code": "00000"})

    def list_backtests(self, strategy_id, mode, *, read_ahead: int = 1) -> Iterator[BacktestRow]:
        self.calls.append(("list", strategy_id, mode.name))
        self.read_ahead = read_ahead
        for row in list(self.rows):
            self.rows_read += 1
            yield row

    def detail(self, backtest_id: str) -> BacktestDetail:
        self.calls.append(("detail", backtest_id))
        return BacktestDetail(id=backtest_id, run_id=self.run_id, strategy_id="a" * 32, start_date="2024-01-02")

    def source(self, backtest_id: str) -> str:
        self.calls.append(("source", backtest_id))
        return "def initialize(context):\n    pass\n"

    def stats(self, backtest_id: str) -> dict:
        self.calls.append(("stats", backtest_id))
        self.stats_calls += 1
        if backtest_id != self.run_id or self.stats_calls <= self.stats_ready_after:
            return {"code": "00000", "data": []}
        return {"code": "00000", "data": self.stats_data}

    def result(self, backtest_id: str, *, offset: int = 0, user_record_offset: int = 0) -> dict:
        self.calls.append(("result", backtest_id, offset, user_record_offset))
        if self.result_pages:
            if backtest_id != self.run_id:
                return {"code": "00000", "data": {"state": "0", "result": 0}}
            for page in self.result_pages:
                if page["offset"] == offset:
                    return {"code": "00000", "data": page["data"]}
            return {"code": "00000", "data": {"state": "2", "result": {"count": 0}}}
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        if isinstance(state, BaseException):
            raise state
        return {"code": "00000", "data": {"state": state, "result": None}}

    def log(self, backtest_id: str, *, offset: int = 0) -> LogPage:
        self.calls.append(("log", backtest_id, offset))
        if backtest_id != self.run_id:
            return LogPage(lines=(), state="0")
        lines = tuple(self.log_lines[offset : offset + 100])
        is_max = self.log_max_at is not None and offset + len(lines) >= self.log_max_at
        return LogPage(lines=lines, state="2", offset=offset, max=is_max, response={"offset": offset})

    def error_log(self, backtest_id: str) -> LogPage:
        self.calls.append(("error", backtest_id))
        lines = tuple(self.error_lines) if backtest_id == self.run_id else ()
        return LogPage(lines=lines, state="3", response={"n": len(lines)})

    def delete(self, list_id: str, mode) -> dict:
        self.calls.append(("delete", list_id, mode.name))
        if list_id == "bad":
            raise ApiError("删除回测记录失败:不合法请求")
        return {"data": [], "status": "0", "code": "00000", "msg": ""}

    def requests_between(self, start: int, end: int) -> List[tuple]:
        return self.calls[start:end]


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: List[float] = []
        self.interrupt_after: Optional[int] = None

    def now(self) -> float:
        return self.t

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.interrupt_after is not None and len(self.sleeps) >= self.interrupt_after:
            raise KeyboardInterrupt
        self.t += seconds
