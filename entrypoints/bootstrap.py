"""The composition root: the only module of ``jqcli.entrypoints`` that imports ``jqcli.adapters``.

``Services`` builds each collaborator on first use, so a command pays only for
what it touches; it has one typed factory per use case (``list_strategies()``
returns a ``ListStrategies`` …).  Command handlers get their use cases from
here and nowhere else (an import-linter contract forbids ``jqcli.entrypoints.commands``
to import adapters); CLI tests inject a ``Services`` subclass whose gateways are fakes
(``cli.run(..., services=...)``).  Embedding applications use the typed facade
``jqcli.entrypoints.library`` (the README's library section), which sits on top of this.

Module level stays cheap (stdlib only): adapters are imported inside the factories.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Callable, Dict, Iterator, List, Mapping, Optional, Protocol, TextIO, Tuple

from jqcli.entrypoints.settings import ConfigFile, Flags, Settings

if TYPE_CHECKING:
    from jqcli.adapters.archive.files import JsonSyncState
    from jqcli.adapters.archive.jsonl import JsonlPostArchive
    from jqcli.adapters.http import HttpRequest, HttpResponse, HttpTransport
    from jqcli.adapters.joinquant.session import JoinQuantSession
    from jqcli.adapters.runledger import SqliteRunLedger  # fixb
    from jqcli.adapters.sandbox.embedded import EmbeddedSandbox
    from jqcli.adapters.sandbox.site.app import SandboxApp
    from jqcli.adapters.sandbox.site.server import SandboxHTTPServer
    from jqcli.application.backtest_list import ListBacktests
    from jqcli.application.backtests import (
        DeleteBacktest,
        ReadBacktestCurves,
        ReadBacktestLogs,
        ReadBacktestStats,
        ShowBacktest,
    )
    from jqcli.application.cancel import CancelBacktest  # fixb
    from jqcli.application.community import CheckClone, CloneStrategy, ReadPostDetail
    from jqcli.application.compare_runs import CompareRuns  # branch fixa
    from jqcli.application.latest_posts import ListLatestPosts
    from jqcli.application.ledger import ListRuns, RunRecorder  # fixb
    from jqcli.application.localfiles import DiffStrategy, PullStrategies, PushStrategies, TrackRunPush  # fixc
    from jqcli.application.ports import (
        AuthGateway,
        BacktestGateway,
        BacktestResultsGateway,
        Clock,
        CloneGateway,
        CommunityFeed,
        NameLock,
        StrategyGateway,
    )
    from jqcli.application.ports_account import AccountGateway  # fixb
    from jqcli.application.ports_localfiles import StrategyFiles  # fixc
    from jqcli.application.quota import ReadQuota  # fixb
    from jqcli.application.results import BuildReport, ExportBacktest, ListLedger, ReadCurve, ReadRiskWindows
    from jqcli.application.run_backtest import RunBacktest
    from jqcli.application.strategies import (
        CreateStrategy,
        DeleteStrategy,
        EditStrategy,
        ListStrategies,
        ShowStrategy,
    )
    from jqcli.application.sync_community import SyncCommunity
    from jqcli.application.sync_options import SeedFile
    from jqcli.application.verdicts import JudgeRun  # branch fixa
    from jqcli.application.waiting import WaitBacktest  # branch fixa
    from jqcli.domain.credentials import ResolvedCredential
    from jqcli.domain.strategy import SavedStrategy, Strategy, StrategyDetail


# --- settings ------------------------------------------------------------------------------------


class LocalSettingsFiles:
    """``SettingsFiles`` on this machine: the ``.env`` reader, platform paths and the JSON config file."""

    def read_env_file(self, path: str) -> Optional[bytes]:
        from jqcli.adapters.filesystem import SMALL_FILE_LIMIT, read_regular_file

        return read_regular_file(path, what="env 文件", limit=SMALL_FILE_LIMIT)

    def parse_dotenv(self, text: str, environ: Dict[str, str]) -> Tuple[Dict[str, str], List[int]]:
        from jqcli.adapters.config.dotenv import parse_dotenv

        parsed = parse_dotenv(text, environ)
        return parsed.values, parsed.bad_lines

    def data_dir(self, environ: Dict[str, str]) -> str:
        from jqcli.adapters.config.paths import default_data_dir

        return default_data_dir(environ)

    def config_path(self, flag: Optional[str], environ: Dict[str, str]) -> str:
        from jqcli.adapters.config.paths import resolve_config_path

        return resolve_config_path(flag, environ)

    def config_store(self, path: str) -> ConfigFile:
        from jqcli.adapters.config.store import JsonConfigStore

        return JsonConfigStore(path)


def build_settings(
    flags: Flags,
    environ: Mapping[str, str],
    cwd: str,
    *,
    read_stdin: Optional[Callable[[str], str]] = None,
) -> Settings:
    """``Settings`` resolved against this machine's files (flags > env/.env > config)."""
    return Settings(flags, dict(environ), cwd, files=LocalSettingsFiles(), read_stdin=read_stdin)


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
    """``Services`` configured like the command line (arguments > ``JQCLI_*`` environment/.env > saved config).

    Use it as a context manager so that a session the site rotated is saved back and
    connections are released.  Applications should prefer ``jqcli.entrypoints.library.connect``,
    whose methods validate their arguments::

        with connect(sandbox=True) as services:
            print(services.auth_gateway().session_info())
    """
    flags = Flags(
        api_base=api_base,
        flag_cookie=cookie,
        flag_token=token,
        config=config,
        env_file=env_file,
        sandbox=sandbox,
        timeout=timeout,
        allow_custom_api_base=allow_custom_api_base,
        format="json",
        quiet=True,
        non_interactive=True,
    )
    settings = build_settings(flags, os.environ if environ is None else environ, cwd or os.getcwd())
    return Services(settings)


class Services:
    """Lazily built adapters and use cases for one invocation."""

    def __init__(self, settings: Settings, *, stderr: Optional[TextIO] = None) -> None:
        self.settings = settings
        self.stderr = stderr
        self._transport: Optional[HttpTransport] = None
        self._session: Optional[JoinQuantSession] = None
        self._credential: Optional[ResolvedCredential] = None
        self._embedded: Optional[EmbeddedSandbox] = None
        self._page_observer: Optional[PageCounter] = None

    # --- transport and session -------------------------------------------------------------
    def embedded_sandbox(self) -> EmbeddedSandbox:
        """The in-process sandbox (``--sandbox``): state under the user data folder."""
        if self._embedded is None:
            from jqcli.adapters.sandbox.embedded import open_embedded

            self._embedded = open_embedded(self.settings.sandbox_dir)
        return self._embedded

    def transport(self) -> HttpTransport:
        if self._transport is None:
            transport: HttpTransport
            if self.settings.sandbox:
                transport = self.embedded_sandbox().transport
            else:
                from jqcli.adapters.joinquant.transport import Urllib3Transport

                transport = Urllib3Transport()
            if self._page_observer is not None:
                transport = ObservedTransport(transport, self._page_observer)
            self._transport = transport
        return self._transport

    def observe_pages(self, observer: Callable[[int], None], paths: Tuple[str, ...]) -> None:
        """Call ``observer(count)`` after each answered GET of a listing page under ``paths`` (progress).

        Must be called before the first request of the command (the transport is wrapped when built).
        """
        self._page_observer = PageCounter(observer, paths)

    def credential(self) -> ResolvedCredential:
        if self._credential is None:
            credential = self.settings.credential()
            if not credential and self.settings.sandbox:
                from jqcli.domain.credentials import ResolvedCredential

                credential = ResolvedCredential("cookie", self.embedded_sandbox().demo_cookie(), "sandbox")
            self._credential = credential
        return self._credential

    def new_session(self, *, cookie: Optional[str] = None) -> JoinQuantSession:
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

    def session(self) -> JoinQuantSession:
        """The command's session, carrying the resolved credential."""
        if self._session is None:
            self._session = self.new_session()
        return self._session

    # --- gateways (ports) ----------------------------------------------------------------------
    def auth_gateway(self, *, fresh: bool = False) -> AuthGateway:
        from jqcli.adapters.joinquant.auth import JoinQuantAuthGateway

        session = self.new_session(cookie="") if fresh else self.session()
        return JoinQuantAuthGateway(session, allow_custom_api_base=self.settings.allow_custom_api_base)

    def config_store(self) -> ConfigFile:
        """The config file credentials are saved to (the sandbox's own one under ``--sandbox``)."""
        return self.settings.store

    def strategy_gateway(self) -> StrategyGateway:
        from jqcli.adapters.joinquant.strategies import JoinQuantStrategyGateway

        return JoinQuantStrategyGateway(self.session(), page_workers=self.settings.page_workers)

    def backtest_gateway(self) -> BacktestGateway:
        from jqcli.adapters.joinquant.backtests import JoinQuantBacktestGateway

        return JoinQuantBacktestGateway(self.session())

    def results_gateway(self) -> BacktestResultsGateway:
        from jqcli.adapters.joinquant.results import JoinQuantBacktestResults

        return JoinQuantBacktestResults(self.session())

    def community_feed(self) -> CommunityFeed:
        """listV2/detailV2/replyList/stats over the command's session (shared by worker threads)."""
        from jqcli.adapters.joinquant.community import JoinQuantCommunity

        return JoinQuantCommunity(self.session())

    def clone_gateway(self) -> CloneGateway:
        from jqcli.adapters.joinquant.community import JoinQuantClone

        return JoinQuantClone(self.session())

    def clock(self) -> Clock:
        from jqcli.adapters.clock import SystemClock

        return SystemClock()

    def name_lock(self) -> NameLock:
        """Push-and-run by name is serialised per (site, account, name) on this machine."""
        from jqcli.adapters.locks import FileNameLock

        settings = self.settings
        site = f"sandbox:{settings.sandbox_dir}" if settings.sandbox else settings.api_base
        account = settings.saved_credentials().username or ""
        return FileNameLock(os.path.join(settings.data_dir, "locks"), scope=f"{site}\n{account}")

    # --- strategies -------------------------------------------------------------------------------
    def list_strategies(self) -> ListStrategies:
        from jqcli.application.strategies import ListStrategies

        return ListStrategies(self.strategy_gateway())

    def show_strategy(self) -> ShowStrategy:
        from jqcli.application.strategies import ShowStrategy

        return ShowStrategy(self.strategy_gateway())

    def create_strategy(self) -> CreateStrategy:
        from jqcli.application.strategies import CreateStrategy

        return CreateStrategy(self.strategy_gateway())

    def edit_strategy(self) -> EditStrategy:
        from jqcli.application.strategies import EditStrategy

        return EditStrategy(self.strategy_gateway())

    def delete_strategy(self) -> DeleteStrategy:
        from jqcli.application.strategies import DeleteStrategy

        return DeleteStrategy(self.strategy_gateway())

    # --- backtests ------------------------------------------------------------------------------
    def run_backtest(self) -> RunBacktest:
        from jqcli.application.run_backtest import RunBacktest

        return RunBacktest(
            self.strategy_gateway(),
            self.backtest_gateway(),
            self.clock(),
            name_lock=self.name_lock(),
            account=self.account_gateway(),  # fixb
            recorder=self.run_recorder(),  # fixb
        )

    def list_backtests(self) -> ListBacktests:
        from jqcli.application.backtest_list import ListBacktests

        strategies = LazyStrategyGateway(self.strategy_gateway)  # an id target never reads the strategy pages
        return ListBacktests(strategies, self.backtest_gateway(), read_ahead=self.settings.page_workers)

    def show_backtest(self) -> ShowBacktest:
        from jqcli.application.backtests import ShowBacktest

        return ShowBacktest(self.backtest_gateway())

    def read_backtest_stats(self) -> ReadBacktestStats:
        from jqcli.application.backtests import ReadBacktestStats

        return ReadBacktestStats(self.backtest_gateway())

    def read_backtest_curves(self) -> ReadBacktestCurves:
        """``backtest result``: the curve pages."""
        from jqcli.application.backtests import ReadBacktestCurves

        return ReadBacktestCurves(self.backtest_gateway())

    def read_backtest_logs(self) -> ReadBacktestLogs:
        from jqcli.application.backtests import ReadBacktestLogs

        return ReadBacktestLogs(self.backtest_gateway())

    def delete_backtest(self) -> DeleteBacktest:
        from jqcli.application.backtests import DeleteBacktest

        return DeleteBacktest(self.backtest_gateway())

    # --- community ------------------------------------------------------------------------------
    def list_latest_posts(self) -> ListLatestPosts:
        from jqcli.application.latest_posts import ListLatestPosts

        return ListLatestPosts(self.community_feed())

    def read_post_detail(self) -> ReadPostDetail:
        from jqcli.application.community import ReadPostDetail

        return ReadPostDetail(self.community_feed())

    def check_clone(self) -> CheckClone:
        """The check half of a clone (spends nothing)."""
        from jqcli.application.community import CheckClone

        return CheckClone(self.community_feed(), self.clone_gateway())

    def clone_strategy(self) -> CloneStrategy:
        from jqcli.application.community import CloneStrategy

        return CloneStrategy(self.clone_gateway())

    # --- community archive ----------------------------------------------------------------------
    def seed_file(self, path: str) -> SeedFile:
        """An old output file (or ``--seed`` file) imported once into the archive; read when the sync asks."""
        from jqcli.adapters.archive.files import read_jsonl, seed_identity
        from jqcli.application.sync_options import SeedFile

        return SeedFile(path=path, identity=seed_identity(path), records=lambda: read_jsonl(path))

    def check_state_file(self, path: str, what: str = "状态文件") -> None:
        """A state path that exists must be a regular file (a folder, FIFO or device is a file_error)."""
        from jqcli.adapters.archive.files import require_regular

        require_regular(path, what)

    @contextlib.contextmanager
    def archive_session(self, store_path: str, state_path: str) -> Iterator[ArchiveSession]:
        """The archive at ``store_path`` and its state file, open under the store's lock, closed at the end.

        The sync use case is wired (and imported) before the lock is taken, so that its clock times
        the whole sync.  A second sync on the same store fails when this opens; ``--force`` (a fresh
        start) is the use case's own step, taken under this lock (``PostArchive.reset``).
        """
        from jqcli.adapters.archive.files import JsonSyncState
        from jqcli.adapters.archive.jsonl import JsonlPostArchive

        state = JsonSyncState(state_path)
        archive = JsonlPostArchive(store_path)
        case = self.sync_community(archive, state)
        archive.open()  # takes the lock
        try:
            yield ArchiveSession(archive, state, case)
        finally:
            archive.close()

    def sync_community(self, archive: JsonlPostArchive, state: JsonSyncState) -> SyncCommunity:
        from jqcli.application.sync_community import SyncCommunity

        return SyncCommunity(self.community_feed(), archive, state, self.clock())

    # --- backtest results (issue 14): trades, positions, risk, export, chart, report -------------
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

    def output_files(self) -> OutputFiles:
        """``check_output``/``write_output``/``load_task``/``save_task`` (functions, no state)."""
        from jqcli.adapters import output_files

        return output_files

    # --- branch fixa (issue 13 items 1, 2, 5): verdicts, compare, wait ------------------------------
    def judge_run(self) -> JudgeRun:
        from jqcli.application.verdicts import JudgeRun

        return JudgeRun(self.backtest_gateway())

    def compare_runs(self) -> CompareRuns:
        from jqcli.application.compare_runs import CompareRuns

        return CompareRuns(self.backtest_gateway())

    def wait_backtest(self) -> WaitBacktest:
        from jqcli.application.waiting import WaitBacktest

        return WaitBacktest(self.run_backtest())

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
        if getattr(self, "_run_ledger", None) is not None:
            self._run_ledger.close()

    # --- fixb (issue 13 items 3, 4, 6): account quota, backtest cancel, the run ledger ------------
    def account_gateway(self) -> AccountGateway:
        from jqcli.adapters.joinquant.account import JoinQuantAccount

        return JoinQuantAccount(self.session())

    def read_quota(self) -> ReadQuota:
        from jqcli.application.quota import ReadQuota

        return ReadQuota(self.account_gateway())

    def cancel_backtest(self) -> CancelBacktest:
        from jqcli.application.cancel import CancelBacktest

        return CancelBacktest(self.account_gateway(), self.backtest_gateway(), self.clock())

    def run_ledger(self) -> SqliteRunLedger:
        """``runs.sqlite3`` in the user data folder, scoped to this site and account (opened on first use)."""
        if getattr(self, "_run_ledger", None) is None:
            from jqcli.adapters.runledger import SqliteRunLedger, default_ledger_path

            settings = self.settings
            site = f"sandbox:{settings.sandbox_dir}" if settings.sandbox else settings.api_base
            self._run_ledger = SqliteRunLedger(
                default_ledger_path(settings.data_dir),
                site=site,
                account=settings.saved_credentials().username or "",
                warn=self._warn,
            )
        return self._run_ledger

    def run_recorder(self) -> RunRecorder:
        from jqcli.application.ledger import RunRecorder

        return RunRecorder(self.run_ledger(), self.clock(), self._warn)

    def list_runs(self) -> ListRuns:
        from jqcli.application.ledger import ListRuns

        return ListRuns(self.run_ledger())

    def _warn(self, text: str) -> None:
        if self.stderr is not None and not self.settings.quiet:
            self.stderr.write(f"警告: {text}\n")
            self.stderr.flush()


if TYPE_CHECKING:
    OpenArchive = JsonlPostArchive  # what a handler may read of an open archive (damage counts, pending posts)


class ArchiveSession:
    """An open archive, its state file and the sync use case over them (see ``Services.archive_session``)."""

    __slots__ = ("archive", "state", "sync")

    def __init__(self, archive: OpenArchive, state: JsonSyncState, sync: SyncCommunity) -> None:
        self.archive = archive
        self.state = state
        self.sync = sync


class OutputFiles(Protocol):
    """Output files of ``backtest export``/``report`` (``jqcli.adapters.output_files``: functions, no state)."""

    def check_output(self, path: str, *, force: bool) -> None: ...

    def write_output(self, path: str, data: bytes, *, force: bool) -> int: ...

    def load_task(self, path: str) -> Optional[Dict[str, str]]: ...

    def save_task(self, path: str, record: Dict[str, str]) -> None: ...


class PageCounter:
    """Counts answered GETs of listing pages, from any worker thread, and reports the running total."""

    def __init__(self, observer: Callable[[int], None], paths: Tuple[str, ...]) -> None:
        import threading

        self._observer = observer
        self._paths = paths
        self._lock = threading.Lock()
        self.count = 0

    def seen(self, request: HttpRequest) -> None:
        if request.method != "GET" or not any(request.url.split("?", 1)[0].endswith(p) for p in self._paths):
            return
        with self._lock:
            self.count += 1
            self._observer(self.count)


class LazyStrategyGateway:
    """A ``StrategyGateway`` that builds the real one on its first call.

    For use cases that need the strategy pages only sometimes (``backtest ls`` resolves a *name*
    through the list, never an id): a command given an id does not import the strategy adapter.
    """

    def __init__(self, build: Callable[[], StrategyGateway]) -> None:
        self._build = build
        self._real: Optional[StrategyGateway] = None

    def _gateway(self) -> StrategyGateway:
        if self._real is None:
            self._real = self._build()
        return self._real

    def list_strategies(self) -> List[Strategy]:
        return self._gateway().list_strategies()

    def get_strategy(self, strategy_id: str) -> StrategyDetail:
        return self._gateway().get_strategy(strategy_id)

    def create_strategy(self, name: str, code: str) -> SavedStrategy:
        return self._gateway().create_strategy(name, code)

    def save_strategy(
        self, strategy_id: str, *, name: Optional[str] = None, code: Optional[str] = None
    ) -> SavedStrategy:
        return self._gateway().save_strategy(strategy_id, name=name, code=code)

    def delete_strategy(self, internal_id: str) -> Mapping[str, object]:
        return self._gateway().delete_strategy(internal_id)


class ObservedTransport:
    """An ``HttpTransport`` that tells a ``PageCounter`` about each answered request."""

    def __init__(self, inner: HttpTransport, counter: PageCounter) -> None:
        self._inner = inner
        self._counter = counter

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        response = self._inner.send(request, timeout=timeout)
        self._counter.seen(request)
        return response

    def close(self) -> None:
        self._inner.close()


# --- local files of commands (codeio: --file, --output) --------------------------------------------


def read_local_file(path: str, *, what: str, limit: int) -> Optional[bytes]:
    """A regular file's bytes (at most ``limit``), None if it does not exist; a device, FIFO or folder is refused."""
    from jqcli.adapters.filesystem import read_regular_file

    return read_regular_file(path, what=what, limit=limit)


def refuse_special_file(path: str, *, what: str) -> None:
    """A file_error if ``path`` exists and is not a regular file (never replace /dev/null or a FIFO)."""
    from jqcli.adapters.filesystem import refuse_non_regular

    refuse_non_regular(path, what=what)


# --- sandbox serve ----------------------------------------------------------------------------------


def default_sandbox_state(environ: Mapping[str, str]) -> str:
    """``$XDG_DATA_HOME/jqcli/sandbox/serve.sqlite3`` (from the real environment, not a .env)."""
    from jqcli.adapters.config.paths import default_data_dir

    return os.path.join(default_data_dir(dict(environ)), "sandbox", "serve.sqlite3")


def sandbox_is_loopback(host: str) -> bool:
    from jqcli.adapters.sandbox.site.server import is_loopback

    return is_loopback(host)


def check_sandbox_faults(spec: str, *, seed: int) -> None:
    """Raises ``ValueError`` naming the problem when ``--faults`` does not parse."""
    from jqcli.adapters.sandbox.site.faults import FaultPlan

    FaultPlan.parse(spec, seed=seed)


class CannotListen(Exception):
    """The sandbox could not bind its address; ``error`` is the ``OSError``."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class ServedSandbox:
    """A sandbox site listening on a socket (``jqcli sandbox serve``): ``serve_forever``/``shutdown``/``close``."""

    def __init__(self, server: SandboxHTTPServer, app: SandboxApp, rotate_ids: bool) -> None:
        from jqcli.adapters.sandbox.site.app import DEMO_PASSWORD, DEMO_USERNAME

        self.server = server
        self.app = app
        self.rotate_ids = rotate_ids
        self.demo_username: str = DEMO_USERNAME
        self.demo_password: str = DEMO_PASSWORD

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def serve_forever(self, poll_interval: float) -> None:
        self.server.serve_forever(poll_interval=poll_interval)

    def shutdown(self) -> None:
        """Stop ``serve_forever`` (the socket and the site stay open)."""
        self.server.shutdown()

    def server_close(self) -> None:
        """Close the listening socket (the site stays open: ``close`` ends it)."""
        self.server.server_close()

    def close(self) -> None:
        """Close the site's state; also kills and reaps every backtest process this server started."""
        self.app.close()


def serve_sandbox(
    state: str,
    host: str,
    port: int,
    *,
    seed: int,
    rotate_ids: bool,
    posts: int,
    page_size: int,
    queue_seconds: float,
    run_seconds: float,
    session_ttl: Optional[float],
    captcha_after: int,
    free_minutes: int,
    faults: str,
    latency_ms: float,
    run_timeout: float,
    run_memory_mb: int,
    verbose: bool = False,
) -> ServedSandbox:
    """Open the sandbox site on ``state`` and bind ``host:port`` (the options are ``SandboxConfig``'s).

    Raises ``CannotListen`` when the address cannot be bound (the site is closed again first).
    """
    from jqcli.adapters.sandbox.site.app import SandboxApp, SandboxConfig
    from jqcli.adapters.sandbox.site.server import SandboxHTTPServer

    config = SandboxConfig(
        seed=seed,
        rotate_ids=rotate_ids,
        posts=posts,
        page_size=page_size,
        queue_seconds=queue_seconds,
        run_seconds=run_seconds,
        session_ttl=session_ttl,
        captcha_after=captcha_after,
        free_minutes=free_minutes,
        faults=faults,
        latency_ms=latency_ms,
        run_timeout=run_timeout,
        run_memory_mb=run_memory_mb,
    )
    app = SandboxApp(state, config)
    try:
        server = SandboxHTTPServer((host, port), app, verbose=verbose)
    except OSError as exc:
        app.close()
        raise CannotListen(exc) from None
    return ServedSandbox(server, app, config.rotate_ids)
