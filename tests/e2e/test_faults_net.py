"""End to end: the installed CLI against a misbehaving server (tests/support/faultserver.py).

A body trickling in byte by byte must end at about ``--timeout`` as network_error (exit 5),
a 50 MiB answer must stop at the size cap as api_error (exit 4) without the process
growing to its size, and an echoing error page is an api_error.
"""

from __future__ import annotations

import resource
import time

import pytest

from tests.support.faultserver import FaultServer, MiB

pytestmark = pytest.mark.e2e

COOKIE = "PHPSESSID=fault0session; token=fault0token"


def run_against(jq, server: FaultServer, *args: str, timeout: str = "2"):
    return jq.raw(
        "--api-base", server.url, "--cookie", COOKIE, "--timeout", timeout,
        "--format", "json", "--non-interactive", *args, timeout=90,
    )  # fmt: skip


@pytest.mark.parametrize(
    "command",
    [("strategy", "ls"), ("community", "latest"), ("backtest", "stats", "55544646")],
    ids=["strategy-ls", "community-latest", "backtest-stats"],
)
def test_a_dripping_body_ends_at_the_timeout_as_network_error(jq, command) -> None:
    # 1 byte/s of a 200-byte body: the old per-read timeout read for 200 s per attempt, 4 attempts
    with FaultServer("drip", drip_length=200) as server:
        started = time.monotonic()
        result = run_against(jq, server, *command)
        elapsed = time.monotonic() - started
    assert result.code == 5, result
    assert result.error["code"] == "network_error"
    assert result.error["details"]["timed_out"] is True
    assert len(server.requests) == 1  # a request that ran out of time is not sent again
    assert elapsed < 15, elapsed


def test_a_50_mib_answer_stops_at_the_cap_without_holding_it(jq) -> None:
    with FaultServer("oversize-nolength", oversize_bytes=50 * MiB) as server:
        result = run_against(jq, server, "community", "latest", timeout="60")
    assert result.code == 4, result
    assert result.error["code"] == "api_error"
    assert "响应过大" in result.error["message"]
    # the largest child waited for so far (every jqcli run of this session is far below this)
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 400 * 1024


def test_an_oversized_page_with_content_length_is_refused_before_reading(jq) -> None:
    with FaultServer("oversize", oversize_bytes=50 * MiB) as server:
        result = run_against(jq, server, "strategy", "ls", timeout="60")
    assert result.code == 4 and "响应过大" in result.error["message"], result
    assert result.error["details"]["content_length"] == 50 * MiB


def test_an_error_page_echoing_the_request_is_an_api_error(jq) -> None:
    with FaultServer("echo") as server:
        result = run_against(jq, server, "strategy", "ls")
    assert result.code == 4, result
    assert result.error["code"] == "api_error" and result.error["details"]["status"] == 500
    assert server.requests and server.requests[0][2].get("Cookie") == COOKIE


def test_the_archive_stops_at_the_cap_on_a_50_mib_list_page(jq, tmp_path) -> None:
    store = tmp_path / "posts.jsonl"
    with FaultServer("oversize-nolength", oversize_bytes=50 * MiB) as server:
        result = run_against(jq, server, "community", "archive", "--store", str(store), "--phase", "sync", timeout="60")
    assert result.code == 4, result
    assert "响应过大" in result.error["message"]
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 400 * 1024  # was 1.2 GB
