"""Every hand-written fake of the ports (no mocks), in one place.

Each fake is followed by ``_: Port = FakeX()``, so that mypy (which checks this file) proves it still fits
its ``Protocol`` when a port changes.  Sections: strategies & backtests, backtest results, community and
the archive, auth and local state, the clock.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import threading
import zipfile
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

import attrs

from jqcli.application.ports import (
    AuthGateway,
    BacktestGateway,
    BacktestResultsGateway,
    Clock,
    CloneGateway,
    CommunityFeed,
    CredentialStore,
    ExportArchive,
    ExportIds,
    LoginResult,
    PostArchive,
    SessionInfo,
    StoreHealth,
    StrategyGateway,
    SyncStateStore,
)
from jqcli.application.ports_account import NEVER, AccountGateway, CancelTarget, RunTimes
from jqcli.application.ports_ledger import RunLedger
from jqcli.application.ports_localfiles import StrategyFiles
from jqcli.domain.archive import natural_key, needs
from jqcli.domain.backtest import BacktestRow, Mode
from jqcli.domain.backtest_build import BacktestRequest, BuildResult
from jqcli.domain.backtest_detail import BacktestDetail, LogPage
from jqcli.domain.clone import CloneCheck, CloneOutcome
from jqcli.domain.community import LatestQuery, Post, PostDetail, PostPage, ReplyPage, post_url
from jqcli.domain.credentials import ConfigCleared, Credentials
from jqcli.domain.curves import CurvePage, StatsPage
from jqcli.domain.errors import ApiError, NotAuthenticated, NotFound
from jqcli.domain.ledger import LedgerEntry, RunSettings
from jqcli.domain.localfiles import Tracked
from jqcli.domain.quota import Quota, parse_statistics
from jqcli.domain.results import LEDGER_CAP, LedgerCursor, LedgerPage, RiskWindow, risk_ready, risk_table
from jqcli.domain.strategy import SavedStrategy, Strategy, StrategyDetail

# --------------------------------------------------------------------------------------------
# Strategies & backtests
# --------------------------------------------------------------------------------------------

_counter = itertools.count(1)


def new_id() -> str:
    return f"{next(_counter):032x}"


class FakeStrategyGateway:
    def __init__(self) -> None:
        self.records: Dict[str, Dict[str, str]] = {}  # canonical key -> {"name", "code", "updated"}
        self.alias: Dict[str, str] = {}  # any issued id -> canonical key
        self.deleted: List[str] = []
        self.saves: List[Dict[str, Optional[str]]] = []
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

    def delete_strategy(self, internal_id: str) -> Dict[str, object]:
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
        self.calls: List[Tuple[object, ...]] = []
        self.refuse: Optional[Exception] = None
        self.rows: List[BacktestRow] = []
        self.rows_read = 0  # rows the use case actually pulled from the lazy history
        self.read_ahead = 0  # what the last list_backtests call allowed
        self.run_id = "run" + "0" * 29
        self.result_pages: List[Dict[str, Any]] = []
        self.stats_calls = 0

    def build(
        self, request: BacktestRequest, *, on_send: Optional[Callable[[StrategyDetail], None]] = None
    ) -> BuildResult:
        detail = self.strategies.get_strategy(request.strategy_id) if self.strategies is not None else None
        if on_send is not None:  # the editor page was read; the POST goes out now
            on_send(detail or StrategyDetail(id=request.strategy_id, save_id="", name="", code=""))
        self.calls.append(("build", request.strategy_id))
        if self.refuse:
            raise self.refuse
        self.builds.append(request)
        return BuildResult(id="55544646", list_id="f" * 32, save_id="s" * 32, response={"code": "00000"})

    def list_backtests(self, strategy_id: str, mode: Mode, *, read_ahead: int = 1) -> Iterator[BacktestRow]:
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

    def stats(self, backtest_id: str) -> StatsPage:
        return StatsPage.of(self._stats(backtest_id))

    def _stats(self, backtest_id: str) -> Dict[str, object]:
        self.calls.append(("stats", backtest_id))
        self.stats_calls += 1
        if backtest_id != self.run_id or self.stats_calls <= self.stats_ready_after:
            return {"code": "00000", "data": []}
        return {"code": "00000", "data": self.stats_data}

    def result(self, backtest_id: str, *, offset: int = 0, user_record_offset: int = 0) -> CurvePage:
        return CurvePage.of(self._result(backtest_id, offset, user_record_offset))

    def _result(self, backtest_id: str, offset: int, user_record_offset: int) -> Dict[str, object]:
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

    def delete(self, list_id: str, mode: Mode) -> Dict[str, object]:
        self.calls.append(("delete", list_id, mode.name))
        if list_id == "bad":
            raise ApiError("删除回测记录失败:不合法请求")
        return {"data": [], "status": "0", "code": "00000", "msg": ""}

    def requests_between(self, start: int, end: int) -> List[Tuple[object, ...]]:
        return self.calls[start:end]


_sg: StrategyGateway = FakeStrategyGateway()
_b: BacktestGateway = FakeBacktestGateway()


# --------------------------------------------------------------------------------------------
# Backtest results (protocol.md §9.6)
# --------------------------------------------------------------------------------------------

RUN_ID = "run" + "0" * 29


def trade_rows(count: int) -> List[Dict[str, object]]:
    rows: List[Dict[str, object]] = []
    for i in range(count):
        day = f"2024-{1 + (i // 28) % 12:02d}-{1 + i % 28:02d}"
        rows.append(
            {"date": day, "tradeDate": day, "time": "09:30:00", "security": "000001.XSHE",
             "stock": "平安银行(000001.XSHE)", "transaction": "买" if i % 2 == 0 else "卖", "type": "市价单",
             "amount": str(100 * (i % 3)),
             "price": "10.5", "total": "展示(1,050.0)" if i % 2 else 1050.0, "gains": "", "commission": "5",
             "status": "全部成交", "orderAmount": 100}
        )  # fmt: skip
    return rows


def zip_of(members: Dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


class FakeBacktestResults:
    """Pages of 99/100 rows by ``offset`` (the site's cursor), an empty page at the end, ``max`` past the cap."""

    def __init__(self) -> None:
        self.ledgers: Dict[str, List[Dict[str, object]]] = {"transaction": trade_rows(322), "position": []}
        self.calls: List[Tuple[object, ...]] = []
        self.risk_answers: List[object] = [{"alpha": [{"date": "2024-01", "1month": "0.1", "3month": "N/A"}]}]
        self.buttons = {"transaction": "btn-t", "position": "btn-p", "log": "btn-l"}
        self.statuses: List[str] = ["packing", "ready"]
        self.zip_members: Dict[str, bytes] = {"transaction.csv": "日期,时间\n2024-01-02,09:30\n".encode("gb18030")}
        self.credits_needed = False
        self.tasks_created = 0
        self.csv = "时间,基准收益\n2024-01-02,0.5\n".encode("gb18030")

    def export_ids(self, backtest_id: str) -> ExportIds:
        self.calls.append(("detail", backtest_id))
        return ExportIds(run_id=RUN_ID, buttons=dict(self.buttons))

    def ledger_page(self, kind: str, run_id: str, cursor: LedgerCursor) -> LedgerPage:
        self.calls.append(("ledger", kind, run_id, cursor.offset, cursor.date_offset))
        rows = self.ledgers[kind] if run_id == RUN_ID else []
        if cursor.offset >= LEDGER_CAP:
            return LedgerPage(rows=(), status="2", max=len(rows) > LEDGER_CAP)
        size = 99 if (cursor.offset // 99) % 2 == 0 else 100
        stop = min(cursor.offset + size, LEDGER_CAP, len(rows))
        return LedgerPage(rows=tuple(rows[cursor.offset : stop]), status="2", max=False)

    def risk(self, run_id: str) -> Optional[Dict[str, Tuple[RiskWindow, ...]]]:
        """``risk_answers`` are the site's ``data.risk`` values, read as the adapter reads them."""
        self.calls.append(("risk", run_id))
        risk = self.risk_answers.pop(0) if len(self.risk_answers) > 1 else self.risk_answers[0]
        return risk_table(risk) if isinstance(risk, Mapping) and risk_ready(risk) else None

    def result_csv(self, export_id: str) -> bytes:
        self.calls.append(("csv", export_id))
        return self.csv

    def add_export(self, export_id: str, kind: str, *, use_credit: bool) -> str:
        self.calls.append(("add", export_id, kind, use_credit))
        if self.credits_needed and not use_credit:
            raise ApiError("导出需要确认消耗积分", details={"reason": "credits_required"})
        self.tasks_created += 1
        return f"task{self.tasks_created}"

    def export_status(self, task: str) -> str:
        self.calls.append(("status", task))
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def export_zip(self, task: str) -> ExportArchive:
        self.calls.append(("zip", task))
        data = zip_of(self.zip_members)
        return ExportArchive(data=data, members=dict(self.zip_members))

    def kinds_called(self, name: str) -> List[Tuple[object, ...]]:
        return [c for c in self.calls if c[0] == name]


_rg: BacktestResultsGateway = FakeBacktestResults()


# --------------------------------------------------------------------------------------------
# Community and the archive
# --------------------------------------------------------------------------------------------


def stamp(n: int) -> str:
    return f"2026-04-{1 + n // 86400 % 28:02d} {n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}"


def make_post(n: int, *, top: bool = False, backtest: bool = True, published: Optional[str] = None) -> Post:
    key = f"uk{n:05d}"
    item = {
        "id": key,
        "post_id": f"rot-{key}",
        "title": f"帖子 {n}",
        "url": post_url(key),
        "author": {"id": "u", "name": f"作者{n % 7}"},
        "published_at": published or stamp(n * 60),
        "reply_count": 0,
        "view_count": n,
        "is_top": top,
        "is_best": False,
        "backtest": {"id": f"bt{n}" if backtest else "", "clone_count": 0, "pic_url": ""},
        "tags": [],
        "content_preview": "…",
    }
    return Post(id=key, post_id=f"rot-{key}", published_at=str(item["published_at"]), is_top=top, item=item)


class FakeCommunityFeed:
    """A community of ``count`` posts (newest first) plus pinned posts; faults on demand."""

    def __init__(self, count: int = 0, pinned: Sequence[Post] = ()) -> None:
        self.posts: List[Post] = [make_post(n) for n in range(count, 0, -1)]
        self.pinned = list(pinned)
        self.fail_pages: Dict[int, Exception] = {}
        self.fail_detail: Dict[str, Exception] = {}
        self.stats_missing: Set[str] = set()
        self.down: Optional[Exception] = None  # every request raises it (the site is down)
        self.calls: List[Tuple[object, ...]] = []
        self.lock = threading.Lock()

    def publish(self, n: int) -> None:
        self.posts.insert(0, make_post(n))

    def list_page(self, query: LatestQuery, page: int) -> PostPage:
        with self.lock:
            self.calls.append(("list", page))
        if self.down is not None:
            raise self.down
        if page in self.fail_pages:
            raise self.fail_pages[page]
        combined = self.pinned + self.posts
        chunk = combined[(page - 1) * query.page_size : page * query.page_size]
        return PostPage(page=page, posts=tuple(chunk), total_count=len(combined), curr_time="2026-04-25 21:39:18")

    def post_detail(self, post_key: str) -> PostDetail:
        with self.lock:
            self.calls.append(("detail", post_key))
        if self.down is not None:
            raise self.down
        if post_key in self.fail_detail:
            raise self.fail_detail[post_key]
        post = next((p for p in self.pinned + self.posts if p.id == post_key), None)
        if post is None:
            raise NotFound("文章不存在", details={"post_id": post_key})
        data = dict(post.item)
        data.update(post_id="fresh-alias", content=f"正文 {post.id}", requested_id=post_key)
        backtest = dict(_mapping(data["backtest"]))
        backtest["name"] = "策略"
        data["backtest"] = backtest
        return PostDetail(unique_key=post.id, post_id="fresh-alias", backtest_id=str(backtest["id"]), post=data)

    def reply_page(self, post_key: str, page: int, *, parent_reply_id: str = "") -> ReplyPage:
        total = 45
        start = (page - 1) * 20
        items = tuple({"id": f"r{i}", "content": f"回复{i}"} for i in range(start, min(total, start + 20)))
        return ReplyPage(page=page, items=items, total_count=total, curr_time="t")

    def backtest_stats(self, backtest_id: str) -> Optional[Mapping[str, object]]:
        with self.lock:
            self.calls.append(("stats", backtest_id))
        if self.down is not None:
            raise self.down
        if backtest_id in self.stats_missing:
            return None
        return {"sharpe": 1.5, "algorithm_return": 0.2, "annual_algo_return": 0.3, "excess_return_sharpe": "1"}


class FakeCloneGateway:
    def __init__(self, reason: str = "more", url: str = "") -> None:
        self.reason, self.url = reason, url
        self.executed: List[CloneCheck] = []

    def check(self, post_id: str, backtest_id: str, reply_id: str = "") -> CloneCheck:
        return CloneCheck(
            post_id=post_id,
            backtest_id=backtest_id,
            reply_id=reply_id,
            amount=48,
            reduce=10,
            usable=2,
            reason=self.reason,
            is_view=True,
            url=self.url,
            secret="s3cr3t-value",
            random="1777127557",
        )

    def execute(self, check: CloneCheck) -> CloneOutcome:
        self.executed.append(check)
        return CloneOutcome(url="/algorithm/index/edit?algorithmId=newid123&startTime=2020-01-01")


class FakePostArchive:
    """The PostArchive port in memory."""

    def __init__(self) -> None:
        self.records: Dict[str, Dict[str, object]] = {}
        self.flushed = 0
        self.puts = 0
        self.resets = 0
        self.found = StoreHealth()  # what the "opening" found

    def __len__(self) -> int:
        return len(self.records)

    def get(self, key: str) -> Optional[Dict[str, object]]:
        record = self.records.get(key)
        return dict(record) if record is not None else None

    def find_natural(self, natural: str) -> Optional[str]:
        return next((k for k, r in self.records.items() if natural and natural_key(r) == natural), None)

    def put(self, record: Mapping[str, object], *, replaces: Sequence[str] = ()) -> bool:
        for old in replaces:
            self.records.pop(old, None)
        self.records[str(record["id"])] = dict(record)
        self.puts += 1
        return True

    def pending(self, flag: int, limit: Optional[int] = None) -> List[str]:
        keys = [k for k, r in self.records.items() if needs(r) & flag]
        keys.sort(key=lambda k: str(self.records[k].get("published_at") or ""), reverse=True)
        return keys[:limit] if limit is not None else keys

    def flush(self) -> None:
        self.flushed += 1

    def close(self) -> None:
        return None

    def reset(self) -> None:
        self.records.clear()
        self.resets += 1

    def health(self) -> StoreHealth:
        return self.found


class FakeSyncState:
    def __init__(self) -> None:
        self.data: Dict[str, object] = {}
        self.saves = 0
        self.stale_temps: List[str] = []

    def load(self) -> Mapping[str, object]:
        return dict(self.data)

    def save(self, state: Mapping[str, object]) -> None:
        self.data = dict(state)
        self.saves += 1

    def reset(self) -> None:
        self.data = {}

    def remove_stale_temps(self) -> List[str]:
        removed, self.stale_temps = self.stale_temps, []
        return removed


_f: CommunityFeed = FakeCommunityFeed()
_c: CloneGateway = FakeCloneGateway()
_a: PostArchive = FakePostArchive()
_s: SyncStateStore = FakeSyncState()


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


# --------------------------------------------------------------------------------------------
# Auth and the saved credentials
# --------------------------------------------------------------------------------------------


class FakeCredentialStore:
    """The config file in memory: what was saved, with its site."""

    def __init__(self, credentials: Optional[Credentials] = None, *, corrupt: bool = False) -> None:
        self.credentials = credentials or Credentials()
        self.api_base = ""
        self.corrupt = corrupt
        self.saves = 0

    def load(self) -> Credentials:
        return self.credentials

    def save(self, credentials: Credentials, *, api_base: str = "") -> None:
        self.credentials, self.api_base = credentials, api_base
        self.saves += 1

    def clear(self) -> ConfigCleared:
        self.credentials, self.api_base = Credentials(), ""
        if self.corrupt:
            self.corrupt = False
            return ConfigCleared(reset=True, backup="/cfg/config.json.corrupt")
        return ConfigCleared()


class FakeAuthGateway:
    """A site with one account (``demo``/``demo-pass-7f3a``); ``logged_in`` is what the liveness probe answers."""

    def __init__(self, *, logged_in: bool = True) -> None:
        self.logged_in = logged_in
        self.logins: List[Tuple[str, str]] = []
        self.probes = 0

    def login(self, username: str, password: str) -> LoginResult:
        self.logins.append((username, password))
        if (username, password) != ("demo", "demo-pass-7f3a"):
            raise NotAuthenticated("账号或密码错误")
        return LoginResult(cookie="PHPSESSID=fresh; token=t1", username=username)

    def session_info(self) -> SessionInfo:
        self.probes += 1
        if not self.logged_in:
            return SessionInfo(logged_in=False)
        return SessionInfo(logged_in=True, user_name="demo", alias="演示")


_cs: CredentialStore = FakeCredentialStore()
_ag: AuthGateway = FakeAuthGateway()


# --------------------------------------------------------------------------------------------
# The clock
# --------------------------------------------------------------------------------------------


class FakeClock:
    """Time that moves only when told: ``sleep`` records the seconds and, with ``advance``, adds them.

    ``interrupt_after`` raises KeyboardInterrupt at that many sleeps (a Ctrl-C while waiting).
    """

    def __init__(self, t: float = 1000.0, *, advance: bool = True) -> None:
        self.t = t
        self.advance = advance
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
        if self.advance:
            self.t += seconds


_k: Clock = FakeClock()


# -- the fix loop (issue 13): account (quota, cancel), the run ledger, local strategy files -------------
ADDED = "2026-12-01 10:00:00"


class FakeAccount:
    """One run (``run_id``) the fake cancels; ``on_cancel`` decides what the cancel does to it."""

    def __init__(self, backtests: Optional[FakeBacktestGateway] = None) -> None:
        self.backtests = backtests  # a FakeBacktestGateway whose result states follow the run
        self.running: List[Dict[str, str]] = []
        self.duration: Dict[str, object] = {"used": "5", "free": 55}
        self.vip: Optional[str] = "VIP"
        self.cancel_time = NEVER
        self.cancels: List[CancelTarget] = []
        self.cancel_error: Optional[Exception] = None
        self.on_cancel: Callable[[], None] = self.stop
        self.statistics_error: Optional[Exception] = None
        self.statistics_calls = 0
        self.status: object = "1"

    def add_running(self, name: str = "策略", time: str = ADDED) -> None:
        self.running.append({"id": f"r{len(self.running)}", "name": name, "usedSec": "1分00秒", "time": time})

    def stop(self) -> None:
        """A cancel that works: the run is cancelled and leaves the running list."""
        self.cancel_time = "2026-12-01 10:05:00"
        self.status = "4"
        if self.backtests is not None:
            self.backtests.states = ["4"]
        for index, run in enumerate(self.running):
            if run["time"] == ADDED and run["name"] == "策略":
                del self.running[index]
                break

    # the port
    def statistics(self) -> Tuple[Quota, Dict[str, object]]:
        self.statistics_calls += 1
        if self.statistics_error is not None:
            raise self.statistics_error
        data: Dict[str, object] = {"running": list(self.running), "done": [], "duration": dict(self.duration)}
        return parse_statistics(data), {"code": "00000", "data": data}

    def vip_type(self) -> Optional[str]:
        return self.vip

    def cancel_target(self, backtest_id: str) -> CancelTarget:
        return CancelTarget(given=backtest_id, run_id="run" + "0" * 29, token="t0k", name="策略")

    def cancel(self, target: CancelTarget) -> Dict[str, object]:
        self.cancels.append(target)
        if self.cancel_error is not None:
            self.on_cancel()
            raise self.cancel_error
        self.on_cancel()
        return {"code": "00000", "status": "0", "data": None}

    def run_times(self, run_id: str) -> RunTimes:
        return RunTimes(status=self.status, added_at=ADDED, cancel_time=self.cancel_time)


class FakeRunLedger:
    """An in-memory RunLedger; ``fail`` makes every write raise (a broken ledger file)."""

    def __init__(self) -> None:
        self.rows: Dict[int, LedgerEntry] = {}
        self.next_key = 1
        self.fail: Optional[Exception] = None
        self.writes: List[Tuple[str, LedgerEntry]] = []

    def add(self, entry: LedgerEntry) -> LedgerEntry:
        if self.fail:
            raise self.fail
        stored = attrs.evolve(entry, key=self.next_key)
        self.next_key += 1
        self.rows[stored.key] = stored
        self.writes.append(("add", stored))
        return stored

    def save(self, entry: LedgerEntry) -> None:
        if self.fail:
            raise self.fail
        self.rows[entry.key] = entry
        self.writes.append(("save", entry))

    def remove(self, key: int) -> None:
        self.rows.pop(key, None)
        self.writes.append(("remove", LedgerEntry(key=key, submitted_at=0, strategy_id="", strategy_name="",
                                                  settings=RunSettings("", "", "", None, ""), code_hash="",
                                                  outcome="")))  # fmt: skip

    def entries(
        self,
        *,
        strategy: str = "",
        status: str = "",
        since: Optional[float] = None,
        until: Optional[float] = None,
        limit: Optional[int] = None,
    ) -> List[LedgerEntry]:
        found = sorted(self.rows.values(), key=lambda e: (e.submitted_at, e.key), reverse=True)
        found = [e for e in found if not strategy or strategy in (e.strategy_name, e.strategy_id)]
        found = [e for e in found if not status or e.status == status]
        found = [e for e in found if (since is None or e.submitted_at >= since)]
        found = [e for e in found if (until is None or e.submitted_at < until)]
        return found if limit is None else found[:limit]

    def same_runs(self, code_hash: str, settings: RunSettings) -> List[LedgerEntry]:
        return [e for e in self.entries() if e.code_hash == code_hash and e.settings == settings]


def refused(msg: str) -> ApiError:
    return ApiError(msg, details={"msg": msg})


class MemoryStrategyFiles:
    def __init__(self) -> None:
        self.code: Dict[str, Dict[str, str]] = {}  # folder -> file -> text
        self.manifests: Dict[str, Dict[str, Tracked]] = {}
        self.writes: List[Tuple[str, ...]] = []
        self.held: List[str] = []

    def manifest(self, folder: str) -> Dict[str, Tracked]:
        return dict(self.manifests.get(folder, {}))

    def save_manifest(self, folder: str, entries: Mapping[str, Tracked]) -> None:
        assert folder in self.held, "the manifest is written only under the folder's lock"
        self.manifests[folder] = dict(entries)
        self.writes.append(("manifest", folder))

    def read_code(self, folder: str, file: str) -> Optional[str]:
        return self.code.get(folder, {}).get(file)

    def write_code(self, folder: str, file: str, code: str) -> None:
        self.code.setdefault(folder, {})[file] = code
        self.writes.append(("code", folder, file))

    @contextlib.contextmanager
    def locked(self, folder: str) -> Iterator[None]:
        assert folder not in self.held, "the lock is not re-entrant (flock on a second descriptor would block)"
        self.held.append(folder)
        try:
            yield
        finally:
            self.held.remove(folder)


_ac: AccountGateway = FakeAccount()
_rl: RunLedger = FakeRunLedger()
_sf: StrategyFiles = MemoryStrategyFiles()
