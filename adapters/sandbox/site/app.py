"""The sandbox WSGI application: routing, sessions, rotating ids and fault injection.

Each view is ``view(call) -> Response``; a route says whether the path is an
HTML page or a JSON endpoint (which decides how an expired session is
answered, protocol.md §1.7), which authentication it needs, and whether it
writes (which decides when faults strike, see ``faults``).
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, NamedTuple, Optional, Tuple

from jqcli.adapters.sandbox.site import ids, launch
from jqcli.adapters.sandbox.site.db import Database
from jqcli.adapters.sandbox.site.faults import FAULT_HEADER, FaultPlan
from jqcli.adapters.sandbox.site.markup import not_found_page
from jqcli.adapters.sandbox.site.outputs import OutputCache
from jqcli.adapters.sandbox.site.runner import Runner
from jqcli.adapters.sandbox.site.web import (
    Request,
    Response,
    html_response,
    json_response,
    login_required_json,
    login_required_page,
)

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


class Route(NamedTuple):
    view: Callable[[Call], Response]
    kind: str  # "page" | "json"
    auth: str  # "full" | "community" | "optional"
    write: bool = False


class Call:
    """One request being answered: who is asking, the clock reading, and the aliases it mints."""

    def __init__(self, app: SandboxApp, req: Request) -> None:
        self.app = app
        self.req = req
        self.db = app.db
        self.config = app.config
        self.now = app.clock.now()
        self.minter = ids.Minter(app.config.seed, app.config.rotate_ids)
        self.session = None
        self.user_id: Optional[int] = None
        self.full = False  # full browser session (PHPSESSID + token), not just a token cookie

    def mint(self, kind: str, obj: int) -> str:
        return self.minter.mint(kind, obj)

    def resolve(self, kind: str, alias: str) -> Optional[int]:
        return ids.resolve(self.db, kind, alias)

    def flush(self) -> None:
        pending, self.minter.pending = self.minter.pending, []
        if pending:
            with self.db.write() as conn:
                conn.executemany("INSERT OR IGNORE INTO aliases(alias, kind, obj) VALUES (?,?,?)", pending)


class SandboxApp:
    """``SandboxApp(path, config)`` is a WSGI callable serving the emulated site from one SQLite file."""

    def __init__(self, state_path: str, config: Optional[SandboxConfig] = None, *, clock=None) -> None:  # type: ignore[no-untyped-def]
        from jqcli.adapters.sandbox.site import seed
        from jqcli.adapters.sandbox.site.views import ROUTES

        self.config = config or SandboxConfig()
        self.clock = clock or SystemClock()
        self.db = Database(state_path)
        seed.ensure_seeded(self.db, self.config)
        self.routes: Dict[str, Route] = ROUTES
        self.post_counts: Dict[tuple, tuple] = {}  # community list counts per filter (posts never change)
        self.faults = FaultPlan.parse(self.config.faults, seed=self.config.seed, latency_ms=self.config.latency_ms)
        self.stats = RequestStats()
        self.runner = Runner(state_path, detach=self.config.detach_runs, command=self.config.engine_command)
        self.outputs = OutputCache()

    # -- backtest processes (``launch``) ---------------------------------------------------------
    def start_run(self, bt_id: int, *, lazy: bool = False) -> None:
        launch.start_run(self, bt_id, lazy=lazy)

    def ensure_started(self, row, now: float) -> None:  # type: ignore[no-untyped-def]
        launch.ensure_started(self, row, now)

    # -- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ: Dict[str, object], start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        req = Request(environ)
        try:
            resp = self.handle(req)
        finally:
            self.db.release()  # the pool bounds the connections (and fds) however many threads come and go
        headers = [(k, v) for k, v in resp.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(resp.body))))
        start_response(resp.status_line(), headers)
        if not req.path.startswith("/__sandbox__/"):
            self.stats.add_app((time.perf_counter() - started) * 1000)
        return [resp.body]

    def handle(self, req: Request) -> Response:
        if req.path.startswith("/__sandbox__/"):
            from jqcli.adapters.sandbox.site.admin import admin

            return admin(self, req)
        route = self.routes.get(req.path.rstrip("/") or "/")
        if route is None:
            return html_response(not_found_page(), 404)
        fault = self.faults.draw(req.path, route.write)
        if fault.latency:
            time.sleep(fault.latency)
        early = fault.early_response(route.kind, req)
        if early is not None:
            return early
        try:
            resp = self._dispatch(route, req)
        except Exception:  # noqa: BLE001 - a bug in a view answers 500 like a real server, and says so on stderr
            traceback.print_exc(file=sys.stderr)
            return json_response({"data": None, "status": "2", "code": "20000", "msg": "系统繁忙，请稍后重试"}, 500)
        return fault.late_response(resp)

    def _dispatch(self, route: Route, req: Request) -> Response:
        call = Call(self, req)
        self.authenticate(call)
        if route.auth == "full" and not call.full:
            return login_required_page(req) if route.kind == "page" else login_required_json()
        if route.auth == "community" and call.user_id is None:
            return login_required_json()
        resp = route.view(call)
        call.flush()
        return resp

    # -- sessions --------------------------------------------------------------------------------
    def authenticate(self, call: Call) -> None:
        """Full session = live PHPSESSID whose token cookie matches; a lone live token = community only."""
        cookies = call.req.cookies
        sid, token = cookies.get("PHPSESSID", ""), cookies.get("token", "")
        if sid:
            row = self.db.one("SELECT * FROM sessions WHERE sid=?", (sid,))
            if row is not None:
                call.session = row
                if row["user_id"] is not None and token and row["token"] == token and self._alive(row, call.now):
                    call.user_id, call.full = int(row["user_id"]), True
                    return
        if token:
            row = self.db.one("SELECT * FROM sessions WHERE token=? AND user_id IS NOT NULL", (token,))
            if row is not None and self._alive(row, call.now):
                call.user_id = int(row["user_id"])

    @staticmethod
    def _alive(row, now: float) -> bool:  # type: ignore[no-untyped-def]
        return row["expires"] is None or row["expires"] > now

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
        value = self.db.scalar("SELECT id FROM users WHERE username=?", (username,))
        return None if value is None else int(value)  # type: ignore[arg-type]

    def close(self) -> None:
        self.runner.shutdown()
        self.db.close()


def routes_from(*tables: Dict[str, Route]) -> Dict[str, Route]:
    merged: Dict[str, Route] = {}
    for table in tables:
        merged.update(table)
    return merged


__all__: List[str] = [
    "DEMO_PASSWORD",
    "DEMO_USERNAME",
    "FAULT_HEADER",
    "ManualClock",
    "RequestStats",
    "SandboxApp",
    "SandboxConfig",
]
