"""The transport's deadline watchdog (issue 16): one shared thread, not a thread per request.

The guarantee stays the one ``test_net_transport`` checks (a trickling body ends at the deadline);
these tests check what the shared thread adds: arming costs no thread, a disarmed watchdog never
fires, several armed at once fire in deadline order, and the heap of disarmed entries stays small.
"""

from __future__ import annotations

import threading
import time

from jqcli.adapters.http import HttpRequest
from jqcli.adapters.joinquant import transport
from jqcli.adapters.joinquant.transport import Urllib3Transport, _Deadlines, _Watchdog
from tests.support.faultserver import FaultServer
from tests.support.httpstub import Answer


class _Response:
    """What ``_Watchdog`` needs of a response: a connection whose socket it may shut (none here)."""

    connection = None


def test_many_requests_start_no_thread_per_request(stub) -> None:
    stub.route("GET", "/x", Answer(200, b"ok"))
    client = Urllib3Transport(private=True)
    try:
        client.send(HttpRequest("GET", stub.url + "/x"), timeout=30)  # the shared thread starts here
        started = threading.Thread.start
        count = [0]

        def counting_start(self: threading.Thread) -> None:
            if threading.current_thread() is threading.main_thread():  # not the stub server's own threads
                count[0] += 1
            started(self)

        threading.Thread.start = counting_start  # type: ignore[method-assign]
        try:
            for _ in range(40):
                assert client.send(HttpRequest("GET", stub.url + "/x"), timeout=30).body == b"ok"
        finally:
            threading.Thread.start = started  # type: ignore[method-assign]
    finally:
        client.close()
    assert count[0] == 0, "a thread was started per request"
    assert sum(1 for thread in threading.enumerate() if thread.name == "jq-deadlines") == 1


def test_a_disarmed_watchdog_never_fires_and_an_armed_one_fires_at_its_deadline() -> None:
    deadlines = _Deadlines()
    fired: list = []
    transport_deadlines, transport._DEADLINES = transport._DEADLINES, deadlines
    try:
        quiet = _Watchdog(_Response(), 0.05)
        assert quiet.stop() is True
        late = _Watchdog(_Response(), 0.3)
        early = _Watchdog(_Response(), 0.1)  # earlier than the one armed before it: wakes the thread
        for name, dog in (("late", late), ("early", early)):
            original = dog._fire

            def fire(name: str = name, original=original) -> None:  # type: ignore[no-untyped-def]
                fired.append(name)
                original()

            dog._fire = fire  # type: ignore[method-assign]
        deadline = time.monotonic() + 10
        while len(fired) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        transport._DEADLINES = transport_deadlines
    assert fired == ["early", "late"]
    assert early.fired and late.fired and not quiet.fired
    assert early.stop() is False  # it had fired: the caller must drop the connection


def test_disarmed_entries_do_not_pile_up() -> None:
    deadlines = _Deadlines()
    transport_deadlines, transport._DEADLINES = transport._DEADLINES, deadlines
    try:
        for _ in range(5000):
            _Watchdog(_Response(), 600).stop()
        assert len(deadlines._heap) <= transport.COMPACT_AT + 1
    finally:
        transport._DEADLINES = transport_deadlines


def test_the_deadline_still_ends_a_trickling_body_after_many_quick_requests() -> None:
    with FaultServer("drip", drip_interval=0.1, drip_length=2000) as server:
        client = Urllib3Transport(private=True)
        try:
            for _ in range(3):
                started = time.monotonic()
                try:
                    client.send(HttpRequest("GET", server.url + "/algorithm/index/list"), timeout=0.5)
                except Exception as exc:  # noqa: BLE001 - the kind is asserted below
                    assert getattr(exc, "details", {}).get("timed_out") is True, exc
                else:
                    raise AssertionError("a trickling body was read to its end")
                assert time.monotonic() - started < 5
        finally:
            client.close()
