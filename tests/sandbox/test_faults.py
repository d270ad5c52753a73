"""Fault injection (``--faults SPEC``): every kind, reproducibility, and when writes are hit."""

from __future__ import annotations

import http.client
import time

import pytest

from jqcli.adapters.http import HttpRequest
from jqcli.adapters.sandbox.embedded import InProcessTransport
from jqcli.adapters.sandbox.site.faults import FaultPlan
from jqcli.domain.errors import NetworkError
from tests.sandbox.conftest import XHR, Client


def test_spec_parses_rates_latency_retry_after_and_filters() -> None:
    plan = FaultPlan.parse("status=0.1,reset=0.05,truncate=0.05,r429=0.05:2,expire=0.01,missing=0.02,latency=20-40")
    assert plan.rates == {"status": 0.1, "reset": 0.05, "truncate": 0.05, "r429": 0.05, "expire": 0.01, "missing": 0.02}
    assert plan.retry_after == 2 and plan.latency == (0.02, 0.04)
    filtered = FaultPlan.parse("busy=1,path=/community|/user,writes=0,seed=9")
    assert filtered.paths == ("/community", "/user") and filtered.writes is False and filtered.seed == 9
    assert FaultPlan.parse("").active is False


@pytest.mark.parametrize("spec", ["nope=0.1", "status=2", "status=0.6,reset=0.6", "latency=-5", "status", "reset=x"])
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        FaultPlan.parse(spec)


def test_the_same_seed_meets_the_same_faults() -> None:
    spec = "status=0.2,reset=0.1,truncate=0.1,r429=0.1,expire=0.1,missing=0.1,busy=0.1"
    runs = [[FaultPlan.parse(spec, seed=s) for _ in range(2)] for s in (1, 2)]
    seqs = [[[plan.draw("/x", False).kind for _ in range(300)] for plan in pair] for pair in runs]
    assert seqs[0][0] == seqs[0][1] and seqs[1][0] == seqs[1][1]
    assert seqs[0][0] != seqs[1][0]
    counts = {kind: seqs[0][0].count(kind) for kind in ("status", "reset", None)}
    assert 30 < counts["status"] < 95 and 10 < counts["reset"] < 55 and 5 < counts[None] < 60


def test_status_faults_answer_500_502_or_503(make_app) -> None:
    c = Client(make_app(faults="status=1,path=/community"))
    statuses = {c.get("/community/post/listV2").status for _ in range(30)}
    assert statuses == {500, 502, 503}
    assert c.get("/user/index/isLogin").status == 200


def test_429_carries_retry_after(make_app) -> None:
    c = Client(make_app(faults="r429=1:3,path=/community"))
    resp = c.get("/community/post/listV2")
    assert resp.status == 429 and resp.header("Retry-After") == "3"


def test_expire_fault_answers_like_an_expired_session_without_ending_it(make_app) -> None:
    c = Client(make_app(faults="expire=1,path=/algorithm"))
    c.login()
    page = c.get("/algorithm/index/list")
    assert page.status == 302 and page.header("Location").startswith("/user/login/index?redirect=")
    assert c.get("/algorithm/backtest/stats?backtestId=x", headers=XHR).json["code"] == "10001"
    assert c.get("/user/index/isLogin").json["data"]["isLogin"] == 1


def test_missing_fault_serves_a_page_without_its_elements(make_app) -> None:
    c = Client(make_app(faults="missing=1,path=/algorithm/index/list"))
    c.login()
    page = c.get("/algorithm/index/list")
    assert page.status == 200 and "algo_table" not in page.text and "algorithm_list" not in page.text
    assert "window.tokenData" in c.get("/user/login/index").text  # outside the path filter


def test_busy_fault_is_the_sites_transient_envelope(make_app) -> None:
    c = Client(make_app(faults="busy=1,path=/community"))
    assert c.get("/community/post/listV2").json == {
        "data": None,
        "status": "2",
        "code": "20000",
        "msg": "系统繁忙，请稍后重试",
    }


def test_latency_delays_each_request(make_app) -> None:
    c = Client(make_app(latency_ms=40))
    started = time.monotonic()
    c.get("/user/index/isLogin")
    assert time.monotonic() - started >= 0.04


def test_status_fault_strikes_before_a_write_and_reset_after_it(make_app) -> None:
    app = make_app(faults="status=1,path=/algorithm/index/new")
    c = Client(app)
    c.login()
    before = len(c.all_rows())
    assert c.post("/algorithm/index/new", {}).status in (500, 502, 503)
    assert len(c.all_rows()) == before, "a 5xx write changed nothing"
    app.faults = FaultPlan.parse("reset=1,path=/algorithm/index/new")
    transport = InProcessTransport(app)
    cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
    request = HttpRequest("POST", "http://sandbox.test/algorithm/index/new", (("Cookie", cookie),), b"")
    with pytest.raises(NetworkError):
        transport.send(request, timeout=5)
    assert len(c.all_rows()) == before + 1, "a reset write still happened"


def test_truncate_over_the_in_process_transport_is_a_network_error(make_app) -> None:
    transport = InProcessTransport(make_app(faults="truncate=1"))
    with pytest.raises(NetworkError):
        transport.send(HttpRequest("GET", "http://sandbox.test/user/index/isLogin"), timeout=5)


def test_reset_and_truncate_over_real_http(serve) -> None:
    url, app = serve(faults="reset=0.5,truncate=0.5,path=/community")
    host, port = url.split("//")[1].split(":")
    seen = set()
    for _ in range(12):
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        try:
            conn.request("GET", "/community/post/listV2?limit=5")
            resp = conn.getresponse()
            body = resp.read()
            seen.add(("ok", len(body)))
        except http.client.IncompleteRead:
            seen.add("truncated")
        except (ConnectionResetError, http.client.RemoteDisconnected):
            seen.add("reset")
        finally:
            conn.close()
    assert {"truncated", "reset"} <= seen and not any(isinstance(s, tuple) for s in seen)
