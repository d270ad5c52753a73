"""``/__sandbox__/stats``: server-side time per site request, for benchmarks that subtract it from wall time."""

from __future__ import annotations

import http.client
import json

from tests.sandbox.conftest import Client


def test_stats_count_site_requests_but_not_admin_calls(app) -> None:
    c = Client(app)
    assert c.get("/__sandbox__/stats").json == {"ok": True, "requests": 0, "app_ms": 0.0, "handler_ms": 0.0}
    c.login()  # two site requests
    c.get("/algorithm/index/list")
    c.get("/no/such/page")  # a 404 is still a site request the server spent time on
    stats = c.get("/__sandbox__/stats").json
    assert stats["ok"] is True and stats["requests"] == 4
    assert stats["app_ms"] > 0
    assert stats["handler_ms"] == 0.0  # no HTTP server in front of the app here
    assert c.get("/__sandbox__/stats").json["requests"] == 4  # asking does not count


def test_reset_stats_zeroes_the_counters(app) -> None:
    c = Client(app)
    c.login()
    assert c.get("/__sandbox__/reset-stats").status == 405  # a write, like the other controls
    assert c.post("/__sandbox__/reset-stats").json == {"ok": True}
    assert c.get("/__sandbox__/stats").json == {"ok": True, "requests": 0, "app_ms": 0.0, "handler_ms": 0.0}
    c.get("/algorithm/index/list")
    assert c.get("/__sandbox__/stats").json["requests"] == 1


def test_http_server_adds_its_handler_time(serve) -> None:
    url, app = serve()
    host, port = url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    for path in ("/user/login/index", "/user/login/index", "/__sandbox__/health"):
        conn.request("GET", path)
        conn.getresponse().read()
    conn.request("GET", "/__sandbox__/stats")
    stats = json.loads(conn.getresponse().read())
    conn.close()
    assert stats["requests"] == 2
    assert stats["handler_ms"] >= stats["app_ms"] > 0
