"""The transport's whole-request deadline and body cap, and the session's retry budget (issue 10 item 5)."""

from __future__ import annotations

import gzip
import json
import time

import pytest

from jqcli.adapters.http import HttpRequest, HttpResponse
from jqcli.adapters.joinquant.session import JoinQuantSession, RetryPolicy
from jqcli.adapters.joinquant.transport import Urllib3Transport
from jqcli.domain.errors import ApiError, NetworkError
from tests.support.faultserver import FaultServer, MiB
from tests.support.httpstub import Answer

OK = json.dumps({"data": {"x": 1}, "status": "0", "code": "00000", "msg": ""})


def send(url: str, *, timeout: float = 5.0, max_body: int = 32 * MiB) -> HttpResponse:
    transport = Urllib3Transport(private=True, max_body=max_body)
    try:
        return transport.send(HttpRequest("GET", url), timeout=timeout)
    finally:
        transport.close()


def test_a_trickling_body_ends_at_the_deadline_as_a_network_error() -> None:
    # 0.1 s per byte over 2,000 bytes: a per-read timeout never fires and the old transport read for 200 s
    with FaultServer("drip", drip_interval=0.1, drip_length=2000) as server:
        started = time.monotonic()
        with pytest.raises(NetworkError) as info:
            send(server.url + "/algorithm/index/list", timeout=1.0)
        elapsed = time.monotonic() - started
    assert info.value.details["timed_out"] is True
    assert info.value.details["timeout_seconds"] == 1.0
    assert "超时" in info.value.message
    assert elapsed < 10, elapsed


def test_a_hanging_server_is_a_timed_out_network_error() -> None:
    with FaultServer("hang") as server, pytest.raises(NetworkError) as info:
        send(server.url + "/x", timeout=0.5)
    assert info.value.details["timed_out"] is True


@pytest.mark.parametrize("fault", ["oversize", "oversize-nolength"])
def test_an_oversized_body_stops_at_the_cap(fault: str) -> None:
    with FaultServer(fault, oversize_bytes=8 * MiB) as server, pytest.raises(ApiError) as info:
        send(server.url + "/community/post/listV2", max_body=1 * MiB)
    assert "响应过大" in info.value.message
    assert info.value.details["limit_bytes"] == 1 * MiB
    if fault == "oversize":  # refused from the Content-Length alone, before reading
        assert info.value.details["content_length"] == 8 * MiB


def test_the_cap_counts_decoded_bytes_of_a_compressed_body(stub) -> None:
    bomb = gzip.compress(b"0" * (4 * MiB))
    stub.route("GET", "/bomb", Answer(200, bomb, headers=[("Content-Encoding", "gzip")]))
    with pytest.raises(ApiError) as info:
        send(stub.url + "/bomb", max_body=1 * MiB)
    assert "响应过大" in info.value.message


def test_a_body_under_the_cap_is_returned_whole_and_the_pool_stays_usable() -> None:
    routes = {"/big": "oversize", "/drip": "drip"}
    with FaultServer("echo", routes=routes, oversize_bytes=2 * MiB, drip_interval=0.05) as server:
        transport = Urllib3Transport(private=True, max_body=4 * MiB)
        big = transport.send(HttpRequest("GET", server.url + "/big"), timeout=10)
        assert len(big.body) == 2 * MiB
        with pytest.raises(NetworkError):
            transport.send(HttpRequest("GET", server.url + "/drip"), timeout=0.3)
        echoed = transport.send(HttpRequest("GET", server.url + "/after", headers=(("Cookie", "a=b"),)), timeout=5)
        transport.close()
    assert echoed.status == 500 and b"Cookie: a=b" in echoed.body


class ScriptedTransport:
    """Answers from a script; advances a fake clock by each step's duration."""

    def __init__(self, clock: list, steps: list) -> None:
        self.clock, self.steps, self.timeouts = clock, list(steps), []

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        self.timeouts.append(timeout)
        seconds, outcome = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        self.clock[0] += min(seconds, timeout)  # a real transport never outlives its timeout
        if isinstance(outcome, Exception):
            raise outcome
        return HttpResponse(status=outcome, headers=(), body=OK.encode(), url=request.url)


def scripted_session(steps: list, *, timeout: float = 10.0) -> tuple:
    clock, sleeps = [0.0], []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    transport = ScriptedTransport(clock, steps)
    session = JoinQuantSession(
        api_base="http://127.0.0.1:9",
        transport=transport,
        cookie="PHPSESSID=x",
        timeout=timeout,
        retry=RetryPolicy(max_retries=3, base_delay=1.0, max_delay=1.0),
        sleep=sleep,
        clock=lambda: clock[0],
    )
    return session, transport, sleeps, clock


def timed_out() -> NetworkError:
    return NetworkError("请求超时", details={"timed_out": True})


def test_a_timed_out_get_is_not_retried() -> None:
    session, transport, sleeps, clock = scripted_session([(10.0, timed_out())])
    with pytest.raises(NetworkError) as info:
        session.get_json("/j")
    assert len(transport.timeouts) == 1 and sleeps == []
    assert info.value.details["attempts"] == 1
    assert clock[0] == 10.0


def test_connection_failures_are_retried_within_twice_the_timeout() -> None:
    refused = NetworkError("无法连接到服务器", details={"reason": "NewConnectionError"})
    # each attempt takes 6 s: 6 + 1 + 6 = 13, a third attempt would start at 14 with 6 s left of 20
    session, transport, sleeps, clock = scripted_session([(6.0, refused)])
    with pytest.raises(NetworkError) as info:
        session.get_json("/j")
    assert clock[0] <= 2 * session.timeout
    assert info.value.details["attempts"] == len(transport.timeouts) == 3
    assert transport.timeouts[0] == 10.0 and transport.timeouts[-1] < 10.0


def test_a_retry_after_longer_than_the_budget_is_not_waited_for() -> None:
    class Busy(ScriptedTransport):
        def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
            self.timeouts.append(timeout)
            return HttpResponse(status=429, headers=(("Retry-After", "60"),), body=b"", url=request.url)

    clock, sleeps = [0.0], []
    session = JoinQuantSession(
        api_base="http://127.0.0.1:9",
        transport=Busy(clock, [(0, 200)]),
        cookie="PHPSESSID=x",
        timeout=10,
        sleep=sleeps.append,
        clock=lambda: clock[0],
    )
    with pytest.raises(ApiError) as info:
        session.get_json("/j")
    assert info.value.details["status"] == 429 and sleeps == []


def test_quick_503s_are_still_retried() -> None:
    session, transport, sleeps, _ = scripted_session([(0.1, 503), (0.1, 503), (0.1, 200)])
    assert session.get_json("/j")["code"] == "00000"
    assert len(transport.timeouts) == 3 and len(sleeps) == 2
