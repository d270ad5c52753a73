"""The composition root: the only place where adapters are chosen and wired.

``Services`` builds each collaborator on first use, so a command pays only for
what it touches.  Embedding applications can use ``Services`` directly (see
the README's library section) or build use cases from the adapters themselves.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import TYPE_CHECKING, Mapping, Optional

if TYPE_CHECKING:
    from jqcli.application.localfiles import DiffStrategy, PullStrategies, PushStrategies, TrackRunPush  # fixc
    from jqcli.application.ports import BacktestResultsGateway
    from jqcli.application.ports_localfiles import StrategyFiles  # fixc
    from jqcli.application.results import BuildReport, ExportBacktest, ListLedger, ReadCurve, ReadRiskWindows


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
) -> Services:
    """Services for embedding applications, configured like the command line.

    The same precedence applies as for ``jqcli`` (arguments > ``JQCLI_*``
    environment/.env > saved config).  Use it as a context manager so that a
    session the site rotated is saved back and connections are released::

        with connect(sandbox=True) as services:
            print(services.auth_gateway().session_info())
    """
    from jqcli.entrypoints.settings import Settings

    args = SimpleNamespace(
        api_base=api_base,
        flag_cookie=cookie,
        flag_token=token,
        config=config,
        env_file=env_file,
        sandbox=sandbox,
        timeout=timeout,
        allow_custom_api_base=allow_custom_api_base,
        format="json",
        debug=False,
        quiet=True,
        non_interactive=True,
    )
    settings = Settings(args, dict(os.environ if environ is None else environ), cwd or os.getcwd())
    return Services(settings)


class Services:
    """Lazily built adapters and use cases for one invocation."""

    def __init__(self, settings, *, stderr=None) -> None:  # type: ignore[no-untyped-def]
        self.settings = settings
        self.stderr = stderr
        self._transport = None
        self._session = None
        self._credential = None
        self._embedded = None
        self._page_observer = None

    # --- transport and session -------------------------------------------------------------
    def embedded_sandbox(self):  # type: ignore[no-untyped-def]
        """The in-process sandbox (``--sandbox``): state under the user data folder."""
        if self._embedded is None:
            from jqcli.adapters.sandbox.embedded import open_embedded

            self._embedded = open_embedded(self.settings.sandbox_dir)
        return self._embedded

    def transport(self):  # type: ignore[no-untyped-def]
        if self._transport is None:
            if self.settings.sandbox:
                self._transport = self.embedded_sandbox().transport
            else:
                from jqcli.adapters.joinquant.transport import Urllib3Transport

                self._transport = Urllib3Transport()
            if self._page_observer is not None:
                self._transport = ObservedTransport(self._transport, self._page_observer)
        return self._transport

    def observe_pages(self, observer, paths: tuple) -> None:  # type: ignore[no-untyped-def]
        """Call ``observer(count)`` after each answered GET of a listing page under ``paths`` (progress).

        Must be called before the first request of the command (the transport is wrapped when built).
        """
        self._page_observer = PageCounter(observer, paths)

    def credential(self):  # type: ignore[no-untyped-def]
        if self._credential is None:
            credential = self.settings.credential()
            if not credential and self.settings.sandbox:
                from jqcli.domain.credentials import ResolvedCredential

                credential = ResolvedCredential("cookie", self.embedded_sandbox().demo_cookie(), "sandbox")
            self._credential = credential
        return self._credential

    def new_session(self, *, cookie: str | None = None):  # type: ignore[no-untyped-def]
        """A session on the configured site; ``cookie=""`` gives a fresh, logged-out one."""
        from jqcli.adapters.joinquant.debuglog import make_request_log
        from jqcli.adapters.joinquant.session import JoinQuantSession

        return JoinQuantSession(
            api_base=self.settings.api_base,
            transport=self.transport(),
            cookie=self.credential().as_cookie_header() if cookie is None else cookie,
            timeout=self.settings.timeout,
            allow_custom_api_base=self.settings.allow_custom_api_base,
            log=make_request_log(self.settings.debug, self.stderr),
        )

    def session(self):  # type: ignore[no-untyped-def]
        """The command's session, carrying the resolved credential."""
        if self._session is None:
            self._session = self.new_session()
        return self._session

    # --- auth ---------------------------------------------------------------------------------
    def auth_gateway(self, *, fresh: bool = False):  # type: ignore[no-untyped-def]
        from jqcli.adapters.joinquant.auth import JoinQuantAuthGateway

        session = self.new_session(cookie="") if fresh else self.session()
        return JoinQuantAuthGateway(session, allow_custom_api_base=self.settings.allow_custom_api_base)

    # --- strategies & backtests (issue 4) -----------------------------------------------------
    def strategy_gateway(self):  # type: ignore[no-untyped-def]
        from jqcli.adapters.joinquant.strategies import JoinQuantStrategyGateway

        return JoinQuantStrategyGateway(self.session(), page_workers=self.settings.page_workers)

    def backtest_gateway(self):  # type: ignore[no-untyped-def]
        from jqcli.adapters.joinquant.backtests import JoinQuantBacktestGateway

        return JoinQuantBacktestGateway(self.session())

    def clock(self):  # type: ignore[no-untyped-def]
        from jqcli.adapters.joinquant.clock import SystemClock

        return SystemClock()

    def strategy_use_case(self, name: str):  # type: ignore[no-untyped-def]
        """``ListStrategies``, ``ShowStrategy``, ``CreateStrategy``, ``EditStrategy`` or ``DeleteStrategy``."""
        from jqcli.application import strategies

        return getattr(strategies, name)(self.strategy_gateway())

    def backtest_use_case(self, name: str):  # type: ignore[no-untyped-def]
        """``RunBacktest``, ``ListBacktests`` or one of the single-gateway backtest use cases."""
        from jqcli.application import backtests, running

        if name == "RunBacktest":
            return running.RunBacktest(
                self.strategy_gateway(), self.backtest_gateway(), self.clock(), name_lock=self.name_lock()
            )
        if name == "ListBacktests":
            return backtests.ListBacktests(
                self.strategy_gateway(), self.backtest_gateway(), read_ahead=self.settings.page_workers
            )
        return getattr(backtests, name)(self.backtest_gateway())

    def name_lock(self):  # type: ignore[no-untyped-def]
        """Push-and-run by name is serialised per (site, account, name) on this machine."""
        from jqcli.adapters.locks import FileNameLock

        settings = self.settings
        site = f"sandbox:{settings.sandbox_dir}" if settings.sandbox else settings.api_base
        account = settings.saved_credentials().username or ""
        return FileNameLock(os.path.join(settings.data_dir, "locks"), scope=f"{site}\n{account}")

    # --- community (issue 5) -------------------------------------------------------------------
    def community_feed(self):  # type: ignore[no-untyped-def]
        """listV2/detailV2/replyList/stats over the command's session (shared by worker threads)."""
        from jqcli.adapters.joinquant.community import JoinQuantCommunity

        return JoinQuantCommunity(self.session())

    def latest_posts(self):  # type: ignore[no-untyped-def]
        from jqcli.application.community import LatestPosts

        return LatestPosts(self.community_feed())

    def post_detail_reader(self):  # type: ignore[no-untyped-def]
        from jqcli.application.community import ReadPostDetail

        return ReadPostDetail(self.community_feed())

    def clone_strategy(self):  # type: ignore[no-untyped-def]
        from jqcli.adapters.joinquant.community import JoinQuantClone
        from jqcli.application.community import CloneStrategy

        return CloneStrategy(self.community_feed(), JoinQuantClone(self.session()))

    def post_archive(self, path: str):  # type: ignore[no-untyped-def]
        """The JSONL archive at ``path`` (not opened: ``.open()`` takes the store's lock)."""
        from jqcli.adapters.archive.jsonl import JsonlPostArchive

        return JsonlPostArchive(path)

    def sync_state(self, path: str):  # type: ignore[no-untyped-def]
        from jqcli.adapters.archive.files import JsonSyncState

        return JsonSyncState(path)

    def sync_community(self, archive, state):  # type: ignore[no-untyped-def]
        from jqcli.adapters.joinquant.clock import SystemClock
        from jqcli.application.archive_sync import SyncCommunity

        return SyncCommunity(self.community_feed(), archive, state, SystemClock())

    # --- backtest results (issue 14): trades, positions, risk, export, chart, report -------------
    def results_gateway(self) -> BacktestResultsGateway:
        from jqcli.adapters.joinquant.results import JoinQuantBacktestResults

        return JoinQuantBacktestResults(self.session())

    def list_ledger(self, kind: str) -> ListLedger:
        """``ListTrades`` (``kind`` "transaction") or ``ListPositions`` ("position")."""
        from jqcli.application.results import ListLedger

        return ListLedger(self.results_gateway(), kind)

    def read_risk_windows(self) -> ReadRiskWindows:
        from jqcli.application.results import ReadRiskWindows

        return ReadRiskWindows(self.results_gateway(), self.clock())

    def export_backtest(self) -> ExportBacktest:
        from jqcli.application.results import ExportBacktest

        return ExportBacktest(self.results_gateway(), self.clock())

    def read_curve(self) -> ReadCurve:
        from jqcli.application.results import ReadCurve

        return ReadCurve(self.backtest_gateway())

    def build_report(self) -> BuildReport:
        from jqcli.application.results import BuildReport

        return BuildReport(self.backtest_gateway(), self.results_gateway())

    def output_files(self):  # type: ignore[no-untyped-def]
        """``check_output``/``write_output``/``load_task``/``save_task`` (the module: functions, no state)."""
        from jqcli.adapters import output_files

        return output_files

    # --- end of command -----------------------------------------------------------------------
    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Save a session the site rotated (only when it came from the config file, and only if the
        file still holds the credential this command started with: a concurrent login is never undone)."""
        session, self._session = self._session, None
        if session is not None and session.jar and session.jar.changed and self.credential().origin == "config":
            self.settings.write_back_session(session.jar.header())
        if self._transport is not None:
            self._transport.close()
        if self._embedded is not None:
            self._embedded.close()

    # --- local strategy files: strategy pull/push/diff, backtest run --file (issue 13 item 7, branch fixc) ---
    def strategy_files(self) -> StrategyFiles:
        from jqcli.adapters.manifest_store import FolderStrategyFiles

        return FolderStrategyFiles(os.path.join(self.settings.data_dir, "locks"))

    def pull_strategies(self) -> PullStrategies:
        from jqcli.application.localfiles import PullStrategies

        return PullStrategies(self.strategy_gateway(), self.strategy_files(), self.clock())

    def push_strategies(self) -> PushStrategies:
        from jqcli.application.localfiles import PushStrategies

        return PushStrategies(self.strategy_gateway(), self.strategy_files(), self.clock())

    def diff_strategy(self) -> DiffStrategy:
        from jqcli.application.localfiles import DiffStrategy

        return DiffStrategy(self.strategy_gateway(), self.strategy_files())

    def track_run_push(self) -> TrackRunPush:
        from jqcli.application.localfiles import TrackRunPush

        return TrackRunPush(self.strategy_files(), self.clock())


class PageCounter:
    """Counts answered GETs of listing pages, from any worker thread, and reports the running total."""

    def __init__(self, observer, paths: tuple) -> None:  # type: ignore[no-untyped-def]
        import threading

        self._observer = observer
        self._paths = paths
        self._lock = threading.Lock()
        self.count = 0

    def seen(self, request) -> None:  # type: ignore[no-untyped-def]
        if request.method != "GET" or not any(request.url.split("?", 1)[0].endswith(p) for p in self._paths):
            return
        with self._lock:
            self.count += 1
            self._observer(self.count)


class ObservedTransport:
    """An ``HttpTransport`` that tells a ``PageCounter`` about each answered request."""

    def __init__(self, inner, counter: PageCounter) -> None:  # type: ignore[no-untyped-def]
        self._inner = inner
        self._counter = counter

    def send(self, request, *, timeout: float):  # type: ignore[no-untyped-def]
        response = self._inner.send(request, timeout=timeout)
        self._counter.seen(request)
        return response

    def close(self) -> None:
        self._inner.close()
