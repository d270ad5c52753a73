"""``/__sandbox__/…``: controls for tests and operators (never faulted, not part of the site).

- ``GET  /__sandbox__/health`` → ``{"ok": true, "seed": …, "rotate_ids": …}``
- ``POST /__sandbox__/expire-sessions[?username=U]`` → ends logged-in sessions now
- ``POST /__sandbox__/reset-login-failures`` → lifts the login captcha (code 105)
- ``GET  /__sandbox__/stats`` → ``{"ok": true, "requests": N, "app_ms": …, "handler_ms": …}``: server-side
  time spent on site requests since start or the last reset (benchmarks subtract it from wall time)
- ``POST /__sandbox__/reset-stats`` → zeroes those counters
"""

from __future__ import annotations

from jqcli.adapters.sandbox.site.kernel import SiteState
from jqcli.adapters.sandbox.site.web import Request, Response, json_response


def admin(site: SiteState, req: Request) -> Response:
    action = req.path[len("/__sandbox__/") :].strip("/")
    if action == "health":
        return json_response({"ok": True, "seed": site.config.seed, "rotate_ids": site.config.rotate_ids})
    if action == "stats":
        return json_response({"ok": True, **site.stats.snapshot()})
    if req.method != "POST":
        return json_response({"ok": False, "error": "use POST"}, 405)
    if action == "expire-sessions":
        count = site.expire_sessions(req.param("username") or None)
        return json_response({"ok": True, "expired": count})
    if action == "reset-stats":
        site.stats.reset()
        return json_response({"ok": True})
    if action == "reset-login-failures":
        site.reset_login_failures()
        return json_response({"ok": True})
    return json_response({"ok": False, "error": f"unknown action {action!r}"}, 404)
