"""The in-process sandbox behind ``jqcli --sandbox``: no socket, same bytes.

``EmbeddedSandbox.transport`` implements ``HttpTransport`` by calling the WSGI
application directly.  It behaves like the network transport: ``Set-Cookie``
headers come back as sent, redirects are not followed, and an injected reset
or truncated body raises ``NetworkError``.
"""

from __future__ import annotations

import json
import os
from typing import Dict

from jqcli.adapters.http import HttpRequest, HttpResponse
from jqcli.adapters.sandbox.site.app import DEMO_PASSWORD, DEMO_USERNAME, SandboxApp, SandboxConfig
from jqcli.adapters.sandbox.site.auth_views import demo_session
from jqcli.adapters.sandbox.site.faults import FAULT_HEADER
from jqcli.adapters.sandbox.site.web import WsgiApp, call_wsgi
from jqcli.domain.errors import NetworkError, UsageError

API_BASE = "http://sandbox.localhost"
STATE_NAME = "sandbox.sqlite3"
EMBEDDED_POSTS = 1000
ENGINE_CONFIG = "engine.json"  # {"run_timeout": seconds, "run_memory_mb": MB} for --sandbox backtests


class InProcessTransport:
    """``HttpTransport`` over a WSGI app in this process."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        status, headers, body = call_wsgi(self.app, request.method, request.url, request.headers, request.body)
        fault = next((v for k, v in headers if k == FAULT_HEADER), "")
        if fault == "reset":
            raise NetworkError("连接被重置(沙盒注入的故障)", details={"url": request.url})
        if fault == "truncate":
            raise NetworkError("响应体不完整(沙盒注入的故障)", details={"url": request.url})
        return HttpResponse(status=status, headers=tuple(headers), body=body, url=request.url)

    def close(self) -> None:
        """Nothing pooled; the sandbox itself is closed by ``EmbeddedSandbox.close``."""


class EmbeddedSandbox:
    """A sandbox with persistent state under ``data_dir``, reached without sockets."""

    api_base = API_BASE
    demo_username = DEMO_USERNAME
    demo_password = DEMO_PASSWORD

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.transport = InProcessTransport(app)

    def demo_cookie(self) -> str:
        """A ``PHPSESSID=…; token=…`` header of a live demo session (re-used, created when needed)."""
        user_id = self.app.user_id_of(DEMO_USERNAME)
        sid, token = demo_session(self.app.db, int(user_id or 1), self.app.clock.now(), None)
        return f"PHPSESSID={sid}; token={token}"

    def close(self) -> None:
        self.app.close()


def engine_limits(data_dir: str) -> Dict[str, float]:
    """``run_timeout`` (seconds) and ``run_memory_mb`` from the optional ``<data_dir>/engine.json``."""
    path = os.path.join(data_dir, ENGINE_CONFIG)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise UsageError(f"沙盒引擎配置 {path} 无法读取: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"沙盒引擎配置 {path} 应是一个 JSON 对象")
    out: Dict[str, float] = {}
    for key in ("run_timeout", "run_memory_mb"):
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise UsageError(f"沙盒引擎配置 {path} 的 {key} 应是正数,实际为 {value!r}")
        out[key] = value
    unknown = sorted(set(data) - {"run_timeout", "run_memory_mb"})
    if unknown:
        raise UsageError(f"沙盒引擎配置 {path} 有未知的键: {', '.join(unknown)}")
    return out


def open_embedded(data_dir: str, *, seed: int = 0, rotate_ids: bool = True) -> EmbeddedSandbox:
    """Open (creating on first use, in well under a second) the sandbox kept in ``<data_dir>/sandbox.sqlite3``.

    Backtests run detached: each command ends while its runs go on in their own process group,
    bounded by their own wall-clock limit; later commands read, cancel or find them dead.
    """
    os.makedirs(data_dir, exist_ok=True)
    limits = engine_limits(data_dir)
    config = SandboxConfig(
        seed=seed,
        rotate_ids=rotate_ids,
        posts=EMBEDDED_POSTS,
        session_ttl=None,
        queue_seconds=0.5,
        run_seconds=2.5,
        detach_runs=True,
        run_timeout=float(limits.get("run_timeout", 120.0)),
        run_memory_mb=int(limits.get("run_memory_mb", 2048)),
    )
    return EmbeddedSandbox(SandboxApp(os.path.join(data_dir, STATE_NAME), config))
