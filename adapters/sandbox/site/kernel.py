"""The site's kernel: its configuration, clocks, counters, the site state and one request being answered.

Everything a view needs and nothing that needs a view: ``Route`` and ``Call``
are what the route table (``views``) and every ``*_views`` module are written
against, and ``SiteState`` is what a ``Call`` reads (the database, the config,
the clock, the backtest processes).  ``app.SandboxApp`` is a ``SiteState`` that
also routes, authenticates and injects faults; it imports the views, the views
import only this, so the package has no import cycle.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, NamedTuple, Optional, Protocol, Tuple

from jqcli.adapters.sandbox.site import ids
from jqcli.adapters.sandbox.site.db import Database
from jqcli.adapters.sandbox.site.outputs import OutputCache
from jqcli.adapters.sandbox.site.runner import Runner
from jqcli.adapters.sandbox.site.web import Request, Response

DEMO_USERNAME = "13800000000"
DEMO_PASSWORD = "jqcli-demo"


@dataclass
class SandboxConfig:
    """Everything that shapes one sandbox; the defaults are those of ``jqcli sandbox serve``."""

    seed: int = 0
    rotate_ids: bool = True
    posts: int = 1000
    page_size: int = 10  # strategy list rows per page (the site's real sample shows 10)
    history_page_size: int = 20
    queue_seconds: float = 1.0
    run_seconds: float = 4.0
    session_ttl: Optional[float] = 12 * 3600.0  # None: sessions never expire by age (embedded mode)
    captcha_after: int = 5  # failed logins of one username before code 105; 0 disables
    free_minutes: int = 60  # free backtest minutes per account and day
    faults: str = ""
    latency_ms: float = 0.0
    run_timeout: float = 120.0  # wall-clock seconds one backtest's engine may run before it is killed
    run_memory_mb: int = 2048  # address-space limit of the engine child
    detach_runs: bool = False  # embedded mode: runs outlive the process that started them
    engine_command: Optional[Tuple[str, ...]] = None  # tests: another child command line than the engine's


class Clock(Protocol):
    def now(self) -> float: ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock tests move by hand."""

    def __init__(self, start: float) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class RequestStats:
    """Server-side time spent answering site requests (``/__sandbox__/stats``; admin calls are not counted).

    ``app_ms`` is time inside the WSGI application; ``handler_ms`` (HTTP server only) also covers
    reading the body and writing the response.  Benchmarks subtract it from a client's wall time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.app_ms = 0.0
            self.handler_ms = 0.0

    def add_app(self, ms: float) -> None:
        with self._lock:
            self.requests += 1
            self.app_ms += ms

    def add_handler(self, ms: float) -> None:
        with self._lock:
            self.handler_ms += ms

    def snapshot(self) -> Dict[str, object]:
        with self._lock:
            return {"requests": self.requests, "app_ms": round(self.app_ms, 3), "handler_ms": round(self.handler_ms, 3)}


class SiteState:
    """What the views read and write: the SQLite state, the config, the clock and the backtest processes."""

    def __init__(self, state_path: str, config: SandboxConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.db = Database(state_path)
        self.post_counts: Dict[Tuple[object, ...], Tuple[int, int]] = {}  # community list counts per filter
        self.stats = RequestStats()
        self.runner = Runner(state_path, detach=config.detach_runs, command=config.engine_command)
        self.outputs = OutputCache()

    def expire_sessions(self, username: Optional[str] = None) -> int:
        """End every logged-in session (or those of ``username``) now; returns how many."""
        now = self.clock.now()
        with self.db.write() as conn:
            if username:
                cur = conn.execute(
                    "UPDATE sessions SET expires=? WHERE user_id=(SELECT id FROM users WHERE username=?)",
                    (now - 1, username),
                )
            else:
                cur = conn.execute("UPDATE sessions SET expires=? WHERE user_id IS NOT NULL", (now - 1,))
            return cur.rowcount

    def reset_login_failures(self) -> None:
        with self.db.write() as conn:
            conn.execute("DELETE FROM login_failures")

    def user_id_of(self, username: str) -> Optional[int]:
        row = self.db.one("SELECT id FROM users WHERE username=?", (username,))
        return None if row is None else int(row[0])


class Call:
    """One request being answered: who is asking, the clock reading, and the aliases it mints."""

    def __init__(self, site: SiteState, req: Request) -> None:
        self.site = site
        self.req = req
        self.db = site.db
        self.config = site.config
        self.now = site.clock.now()
        self.minter = ids.Minter(site.config.seed, site.config.rotate_ids)
        self.session: Optional[sqlite3.Row] = None
        self.user_id: Optional[int] = None
        self.full = False  # full browser session (PHPSESSID + token), not just a token cookie

    @property
    def uid(self) -> int:
        """The caller's user id, on a route whose authentication guarantees one (else ``LookupError``)."""
        if self.user_id is None:
            raise LookupError("no logged-in user on this request")
        return self.user_id

    def mint(self, kind: str, obj: int) -> str:
        return self.minter.mint(kind, obj)

    def resolve(self, kind: ids.Kinds, alias: str) -> Optional[int]:
        return ids.resolve(self.db, kind, alias)

    def flush(self) -> None:
        pending, self.minter.pending = self.minter.pending, []
        if pending:
            with self.db.write() as conn:
                conn.executemany("INSERT OR IGNORE INTO aliases(alias, kind, obj) VALUES (?,?,?)", pending)


View = Callable[[Call], Response]


class Route(NamedTuple):
    view: View
    kind: str  # "page" | "json"
    auth: str  # "full" | "community" | "optional"
    write: bool = False
