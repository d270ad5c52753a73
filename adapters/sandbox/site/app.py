"""The sandbox WSGI application: routing, sessions, rotating ids and fault injection.

Each view is ``view(call) -> Response``; a route says whether the path is an
HTML page or a JSON endpoint (which decides how an expired session is
answered, protocol.md §1.7), which authentication it needs, and whether it
writes (which decides when faults strike, see ``faults``).
"""

from __future__ import annotations

import sqlite3
import sys
import time
import traceback
from typing import Any, Dict, Iterable, List, Optional

from jqcli.adapters.sandbox.site import seed
from jqcli.adapters.sandbox.site.admin import admin
from jqcli.adapters.sandbox.site.faults import FAULT_HEADER, FaultPlan
from jqcli.adapters.sandbox.site.kernel import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    Call,
    Clock,
    ManualClock,
    RequestStats,
    Route,
    SandboxConfig,
    SiteState,
    SystemClock,
)
from jqcli.adapters.sandbox.site.markup import not_found_page
from jqcli.adapters.sandbox.site.views import ROUTES
from jqcli.adapters.sandbox.site.web import (
    Request,
    Response,
    StartResponse,
    html_response,
    json_response,
    login_required_json,
    login_required_page,
)


class SandboxApp(SiteState):
    """``SandboxApp(path, config)`` is a WSGI callable serving the emulated site from one SQLite file."""

    def __init__(
        self, state_path: str, config: Optional[SandboxConfig] = None, *, clock: Optional[Clock] = None
    ) -> None:
        super().__init__(state_path, config or SandboxConfig(), clock or SystemClock())
        seed.ensure_seeded(self.db, self.config)
        self.routes: Dict[str, Route] = ROUTES
        self.faults = FaultPlan.parse(self.config.faults, seed=self.config.seed, latency_ms=self.config.latency_ms)

    # -- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
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
    def _alive(row: sqlite3.Row, now: float) -> bool:
        return row["expires"] is None or row["expires"] > now

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
    "Call",
    "ManualClock",
    "RequestStats",
    "Route",
    "SandboxApp",
    "SandboxConfig",
    "SystemClock",
]
