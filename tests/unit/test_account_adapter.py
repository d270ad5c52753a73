"""``JoinQuantAccount`` on the wire: the cancel POST's shape, and that it is sent once (protocol.md §9.2)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from jqcli.adapters.joinquant.account import JoinQuantAccount
from jqcli.adapters.joinquant.session import JoinQuantSession
from jqcli.adapters.joinquant.transport import Urllib3Transport
from jqcli.domain.errors import ApiError, NetworkError
from tests.support.httpstub import Answer, Reset, StubServer
from tests.unit.test_strategy_pages import DETAIL_HTML

OK = {"data": None, "status": "0", "code": "00000", "msg": ""}


@pytest.fixture
def site():
    with StubServer() as stub:
        stub.route("GET", "/algorithm/backtest/detail", Answer(200, DETAIL_HTML, content_type="text/html"))
        transport = Urllib3Transport(private=True)
        session = JoinQuantSession(api_base=stub.url, transport=transport, cookie="PHPSESSID=a; token=b")
        yield stub, JoinQuantAccount(session)
        transport.close()


def js(payload: object) -> Answer:
    return Answer(200, json.dumps(payload, ensure_ascii=False))


def test_the_cancel_posts_run_id_token_and_ajax_with_the_detail_referer(site) -> None:
    stub, account = site
    stub.route("POST", "/algorithm/index/cancel", js(OK))
    target = account.cancel_target("55544646")
    assert (target.run_id, target.token, target.name) == ("runrunrun", "t", "全天候ETF")
    assert account.cancel(target) == OK
    (hit,) = stub.hits("/algorithm/index/cancel")
    assert parse_qs(hit.body.decode()) == {"backtestId": ["runrunrun"], "token": ["t"], "ajax": ["1"]}
    assert hit.headers["X-Requested-With"] == "XMLHttpRequest"
    assert hit.headers["Referer"].endswith("/algorithm/backtest/detail?backtestId=55544646")


def test_a_cancel_whose_connection_dies_is_sent_once_never_retried(site) -> None:
    stub, account = site
    stub.route("POST", "/algorithm/index/cancel", Reset())
    with pytest.raises(NetworkError):
        account.cancel(account.cancel_target("55544646"))
    assert len(stub.hits("/algorithm/index/cancel")) == 1


@pytest.mark.parametrize(("msg", "reason"), [("在此状态不能取消", "not_cancellable"), ("系统繁忙", None)])
def test_cancel_refusals_are_api_errors_with_the_sites_message(site, msg, reason) -> None:
    stub, account = site
    stub.route("POST", "/algorithm/index/cancel", js({"data": None, "status": "2", "code": "20000", "msg": msg}))
    with pytest.raises(ApiError) as caught:
        account.cancel(account.cancel_target("55544646"))
    assert caught.value.details["msg"] == msg and caught.value.details.get("reason") == reason
    assert len(stub.hits("/algorithm/index/cancel")) == 1


def test_statistics_and_run_times_read_leniently(site) -> None:
    stub, account = site
    stats = {"running": [{"id": "x", "name": "甲", "usedSec": "1分05秒", "time": "2026-12-01 10:00:00"}],
             "done": [], "duration": {"used": "1.5", "free": 10}}  # fmt: skip
    stub.route("GET", "/algorithm/index/statistics", js({**OK, "data": stats}))
    times = {"addTime": "2026-12-01 10:00:00", "cancelTime": "0000-00-00 00:00:00", "untilNowSec": "65", "status": 1}
    stub.route("GET", "/algorithm/backtest/runTimeInfo", js({**OK, "data": times}))
    stub.route("GET", "/user/index/isLogin", js({**OK, "data": {"isLogin": 1, "vipType": 0}}))
    quota, response = account.statistics()
    assert quota.running[0].elapsed_seconds == 65 and quota.used_minutes == 1.5 and response["data"] == stats
    read = account.run_times("runrunrun")
    assert (read.status, read.until_now_seconds, read.cancelled) == (1, 65, False)
    assert account.vip_type() == "0"
