"""Ports: what the use cases need from the outside world.

Each port is a ``typing.Protocol``; adapters implement them, use cases depend
only on them, and tests replace them with hand-written fakes (``Fake<Port>``).
Sections below are grouped by area so that each area's ports stay together.
"""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Callable,
    ContextManager,
    Iterator,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
)

import attrs

if TYPE_CHECKING:  # only signatures name them: a strategy command need not import the community models
    from jqcli.domain.backtest import BacktestRow, Mode
    from jqcli.domain.backtest_build import BacktestRequest, BuildResult
    from jqcli.domain.backtest_detail import BacktestDetail, LogPage
    from jqcli.domain.clone import CloneCheck, CloneOutcome
    from jqcli.domain.community import LatestQuery, PostDetail, PostPage, ReplyPage
    from jqcli.domain.credentials import ConfigCleared, Credentials
    from jqcli.domain.curves import CurvePage, StatsPage
    from jqcli.domain.strategy import SavedStrategy, Strategy, StrategyDetail

# --------------------------------------------------------------------------------------------
# Local state
# --------------------------------------------------------------------------------------------


class CredentialStore(Protocol):
    """The saved credentials (the config file), each saved with the site it belongs to."""

    def load(self) -> Credentials:
        """The saved token/cookie/username; empty when nothing is saved."""
        ...

    def save(self, credentials: Credentials, *, api_base: str = "") -> None:
        """Replace the saved credentials atomically, with their site (``""``: the real site, not recorded)."""
        ...

    def clear(self) -> ConfigCleared:
        """Forget token, cookie, username and their site (other settings stay)."""
        ...


class Clock(Protocol):
    """Wall time and sleeping, replaceable in tests."""

    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def monotonic(self) -> float:
        """A monotonic reading in seconds, for deadlines."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds``."""
        ...


class NameLock(Protocol):
    """A machine-wide exclusive lock per strategy name (on one site and account).

    Push-and-run holds it around resolve-name -> create/update -> build, so that parallel runs
    with one ``--name`` create one strategy and each run gets the code it pushed.
    """

    def hold(self, name: str) -> ContextManager[None]:
        """Block until the lock for ``name`` is ours; released when the context exits (or the process dies)."""
        ...


# --------------------------------------------------------------------------------------------
# Auth
# --------------------------------------------------------------------------------------------


@attrs.frozen
class LoginResult:
    """What a successful password login leaves behind."""

    cookie: str
    username: str
    user: Mapping[str, object] = attrs.field(factory=dict)


@attrs.frozen
class SessionInfo:
    """The answer of the read-only liveness probe ``/user/index/isLogin``."""

    logged_in: bool
    user_name: str = ""
    alias: str = ""
    account_key: str = ""


class AuthGateway(Protocol):
    """Login and session checks against the site."""

    def login(self, username: str, password: str) -> LoginResult:
        """Log in with a password; raises NotAuthenticated/ApiError on refusal."""
        ...

    def session_info(self) -> SessionInfo:
        """Ask the site whether the current credentials are logged in (never writes)."""
        ...


# --------------------------------------------------------------------------------------------
# Strategies & backtests
# --------------------------------------------------------------------------------------------


class StrategyGateway(Protocol):
    """The strategy pages: list, editor, create, save, delete (protocol.md §2.3–2.7).

    Ids rotate on every response and old ones keep working: callers pass any
    id they have seen; the gateway never assumes a listed id equals an older one.
    """

    def list_strategies(self) -> List[Strategy]:
        """Every strategy of the account: all pages of the root and of every folder."""
        ...

    def get_strategy(self, strategy_id: str) -> StrategyDetail:
        """The editor page of ``strategy_id`` (an edit id): save id, name and exact source."""
        ...

    def create_strategy(self, name: str, code: str) -> SavedStrategy:
        """Create a strategy, then save ``name`` and ``code`` into exactly that one."""
        ...

    def save_strategy(
        self, strategy_id: str, *, name: Optional[str] = None, code: Optional[str] = None
    ) -> SavedStrategy:
        """Save a new name and/or code through the editor form of ``strategy_id``."""
        ...

    def delete_strategy(self, internal_id: str) -> Mapping[str, object]:
        """Delete by row id (``_algorithmId``); returns the raw success envelope."""
        ...


class BacktestGateway(Protocol):
    """Backtest build, history lists, detail page and data endpoints (protocol.md §2.8–2.16)."""

    def build(
        self, request: BacktestRequest, *, on_send: Optional[Callable[[StrategyDetail], None]] = None
    ) -> BuildResult:
        """Start a formal backtest or a compile run (one POST, never retried).

        ``on_send`` is called with the editor page (name, exact code) right before the POST goes out:
        the run ledger records the build then, so a crash or a lost answer from there on loses nothing.
        """
        ...

    def list_backtests(self, strategy_id: str, mode: Mode, *, read_ahead: int = 1) -> Iterator[BacktestRow]:
        """The strategy's formal (``list``) or compile (``buildList``) history, newest first.

        Lazy with ``read_ahead`` = 1: each further page is only fetched when the caller reads past
        the previous one.  A caller that wants every row may let pages known to exist be read
        ``read_ahead`` at a time.
        """
        ...

    def detail(self, backtest_id: str) -> BacktestDetail:
        """The detail page: the run id the data endpoints take, strategy id, dates."""
        ...

    def source(self, backtest_id: str) -> str:
        """The code snapshot the backtest ran."""
        ...

    def stats(self, backtest_id: str) -> StatsPage:
        """``/backtest/stats``: the metrics (``data`` is ``[]`` until ready), the envelope kept as ``raw``."""
        ...

    def result(self, backtest_id: str, *, offset: int = 0, user_record_offset: int = 0) -> CurvePage:
        """``/backtest/result``: task ``state`` plus one page of curves, the envelope kept as ``raw``."""
        ...

    def log(self, backtest_id: str, *, offset: int = 0) -> LogPage:
        """One page (≤100 lines) of the user log."""
        ...

    def error_log(self, backtest_id: str) -> LogPage:
        """The error log (tracebacks); empty when the run did not fail."""
        ...

    def delete(self, list_id: str, mode: Mode) -> Mapping[str, object]:
        """Delete one history record by list id; returns the raw success envelope."""
        ...


# --------------------------------------------------------------------------------------------
# Community
# --------------------------------------------------------------------------------------------


class CommunityFeed(Protocol):
    """The community's read endpoints (protocol.md §2.17–2.19, §2.12); every call is a GET.

    Posts are addressed by any key the site accepts: the stable ``uniqueKey``
    (preferred) or a rotating ``postId`` seen earlier.
    """

    def list_page(self, query: LatestQuery, page: int) -> PostPage:
        """One page of ``listV2`` (newest first, pinned posts on top of page 1)."""
        ...

    def post_detail(self, post_key: str) -> PostDetail:
        """``detailV2`` of one post; NotFound/ApiError when it is deleted or invisible."""
        ...

    def reply_page(self, post_key: str, page: int, *, parent_reply_id: str = "") -> ReplyPage:
        """One ``replyList`` page (20 replies); ``parent_reply_id`` expands a reply's sub-replies."""
        ...

    def backtest_stats(self, backtest_id: str) -> Optional[Mapping[str, object]]:
        """``/algorithm/backtest/stats`` of a post's backtest; None while not available."""
        ...


class CloneGateway(Protocol):
    """Cloning a post's strategy (protocol.md §2.20–2.21); both calls are POSTs, never retried."""

    def check(self, post_id: str, backtest_id: str, reply_id: str = "") -> CloneCheck:
        """``checkBacktestView``: cost, balance and the one-time secret; spends nothing."""
        ...

    def execute(self, check: CloneCheck) -> CloneOutcome:
        """``dealCreditsHander``: spend the credits named by ``check`` and clone."""
        ...


@attrs.frozen
class StoreHealth:
    """What opening the archive found: a torn last line cut off, unreadable lines backed up, lines read
    leniently, stale temp files of a killed run removed."""

    torn_bytes: int = 0
    corrupt_lines: int = 0
    corrupt_backup: str = ""
    repaired_lines: int = 0
    repaired_fields: Tuple[str, ...] = ()  # sorted
    removed_temps: Tuple[str, ...] = ()


class PostArchive(Protocol):
    """The canonical post archive: one record per post, keyed by ``uniqueKey``.

    Only one writer at a time (the adapter holds a lock); records are plain
    JSON-able dicts shaped by ``jqcli.domain.archive``.
    """

    def __len__(self) -> int:
        """How many posts the archive holds."""
        ...

    def get(self, key: str) -> Optional[dict[str, object]]:
        """The record of ``key`` (or of a legacy id it replaced), or None."""
        ...

    def find_natural(self, natural_key: str) -> Optional[str]:
        """The key of the record with this publication time + author + title, if any."""
        ...

    def put(self, record: Mapping[str, object], *, replaces: Sequence[str] = ()) -> bool:
        """Store ``record`` (replacing the records of ``replaces``); False if nothing changed."""
        ...

    def pending(self, flag: int, limit: Optional[int] = None) -> List[str]:
        """Keys whose record still needs ``flag`` (detail/stats), newest post first."""
        ...

    def flush(self) -> None:
        """Make every record put so far durable (it survives a crash from now on)."""
        ...

    def close(self) -> None:
        """Flush, rewrite into one line per post when worthwhile, release the lock."""
        ...

    def reset(self) -> None:
        """Forget every post (``--force``): delete the store's files and go on empty, still holding the lock."""
        ...

    def health(self) -> StoreHealth:
        """What opening the store found and repaired (reported in the run's summary)."""
        ...


class SyncStateStore(Protocol):
    """The archive's state file (coverage, seeds imported); replaced atomically."""

    def load(self) -> Mapping[str, object]:
        """The saved state, or an empty mapping."""
        ...

    def save(self, state: Mapping[str, object]) -> None:
        """Replace the state (after the archive was flushed)."""
        ...

    def reset(self) -> None:
        """Delete the state file (``--force``)."""
        ...

    def remove_stale_temps(self) -> List[str]:
        """Delete temp files a killed save left behind (only under the archive's lock); their names."""
        ...


# --------------------------------------------------------------------------------------------
# Backtest results: trades, positions, risk windows and the exports (protocol.md §3.1, §9.6, §9.7)
# --------------------------------------------------------------------------------------------

if TYPE_CHECKING:
    from jqcli.domain.results import LedgerCursor, LedgerPage, RiskWindow


@attrs.frozen
class ExportIds:
    """The ids a run's exports take: the detail page's run id and each export button's ``backtestid``."""

    run_id: str
    buttons: Mapping[str, str] = attrs.field(factory=dict)  # transaction / position / log → id

    def for_kind(self, kind: str) -> str:
        return self.buttons.get(kind) or self.run_id


@attrs.frozen
class ExportArchive:
    """A downloaded export zip: its bytes and its members by name."""

    data: bytes
    members: Mapping[str, bytes]


class BacktestResultsGateway(Protocol):
    """The result endpoints of one finished (or running) backtest; every read is an idempotent GET,
    except ``add_export``, which creates a paid-for export task and must be sent once, never retried."""

    def export_ids(self, backtest_id: str) -> ExportIds:
        """Read the detail page: the run id (``#backtestId``) and the export buttons' ids."""
        ...

    def ledger_page(self, kind: str, run_id: str, cursor: LedgerCursor) -> LedgerPage:
        """One page of ``transactionInfo`` (``kind`` ``"transaction"``) or ``positionInfo`` (``"position"``)."""
        ...

    def risk(self, run_id: str) -> Optional[Mapping[str, Tuple[RiskWindow, ...]]]:
        """The monthly windows by metric (``RISK_METRICS`` names); ``None`` while the site has none yet."""
        ...

    def result_csv(self, export_id: str) -> bytes:
        """``export?type=result``: the daily result CSV exactly as sent (GB18030)."""
        ...

    def add_export(self, export_id: str, kind: str, *, use_credit: bool) -> str:
        """Create an export task (once; raises the credits-needed error on ``code 30000``); its task id."""
        ...

    def export_status(self, task: str) -> str:
        """``"packing"``, ``"ready"`` or ``"empty"`` (``getExportStatus`` false / "1" / "2")."""
        ...

    def export_zip(self, task: str) -> ExportArchive:
        """``getExportZip``: the zip (an error or login page there raises); downloading again costs nothing."""
        ...


__all__: Sequence[str] = (
    "AuthGateway",
    "BacktestGateway",
    "BacktestResultsGateway",
    "CloneGateway",
    "Clock",
    "CommunityFeed",
    "CredentialStore",
    "ExportArchive",
    "ExportIds",
    "LoginResult",
    "PostArchive",
    "SessionInfo",
    "StoreHealth",
    "StrategyGateway",
    "SyncStateStore",
)
