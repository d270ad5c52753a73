"""``/__sandbox__/…``: controls for tests and operators (never faulted, not part of the site).

- ``GET  /__sandbox__/health`` → ``{"ok": true, "seed": …, "rotate_ids": …}``
- ``POST /__sandbox__/expire-sessions[?username=U]`` → ends logged-in sessions now
- ``POST /__sandbox__/reset-login-failures`` → lifts the login captcha (code 105)
- ``GET  /__sandbox__/stats`` → ``{"ok": true, "requests": N, "app_ms": …, "handler_ms": …}``: server-side
  time spent on site requests since start or the last reset (benchmarks subtract it from wall time)
- ``POST /__sandbox__/reset-stats`` → zeroes those counters
"""

from __future__ import annotations

from jqcli.adapters.sandbox.site.web import Request, Response, json_response


def admin(app, req: Request) -> Response:  # type: ignore[no-untyped-def]
    action = req.path[len("/__sandbox__/") :].strip("/")
    if action == "health":
        return json_response({"ok": True, "seed": app.config.seed, "rotate_ids": app.config.rotate_ids})
    if action == "stats":
        return json_response({"ok": True, **app.stats.snapshot()})
    if req.method != "POST":
        return json_response({"ok": False, "error": "use POST"}, 405)
    if action == "expire-sessions":
        count = app.expire_sessions(req.param("username") or None)
        return json_response({"ok": True, "expired": count})
    if action == "reset-stats":
        app.stats.reset()
        return json_response({"ok": True})
    if action == "reset-login-failures":
        app.reset_login_failures()
        return json_response({"ok": True})
    return json_response({"ok": False, "error": f"unknown action {action!r}"}, 404)
