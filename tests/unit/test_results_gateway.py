"""``JoinQuantBacktestResults`` against a scripted server: the once-only export task, zips, refusals (§3.1, §9.7)."""

from __future__ import annotations

import json

import pytest

from jqcli.adapters.joinquant.results import JoinQuantBacktestResults, parse_export_ids
from jqcli.adapters.joinquant.session import JoinQuantSession, RetryPolicy
from jqcli.adapters.joinquant.transport import Urllib3Transport
from jqcli.domain.errors import ApiError, NetworkError, NotAuthenticated
from jqcli.domain.results import LedgerCursor
from tests.fakes import zip_of
from tests.support.httpstub import Answer, Reset

LOGIN_HTML = (
    "<html><head><title>用户登录 - 聚宽</title></head><body>"
    '<form class="formPwdLogin"><input name="CyLoginForm[username]"></form></body></html>'
)


def envelope(data, code="00000", status="0", msg="") -> str:
    return json.dumps({"data": data, "code": code, "status": status, "msg": msg}, ensure_ascii=False)


def gateway(url: str) -> tuple:
    sleeps: list = []
    session = JoinQuantSession(
        api_base=url,
        transport=Urllib3Transport(private=True),
        cookie="PHPSESSID=abc; token=t0",
        timeout=5,
        retry=RetryPolicy(max_retries=3, base_delay=0.01, max_delay=0.02),
        sleep=sleeps.append,
    )
    return JoinQuantBacktestResults(session), sleeps


ADD = "/algorithm/backtest/addExportZip"


def test_add_export_is_sent_once_even_on_503(stub) -> None:
    stub.route("GET", ADD, Answer(503, "busy"), Answer(200, envelope("t1")))
    results, sleeps = gateway(stub.url)
    with pytest.raises(ApiError) as info:
        results.add_export("e1", "transaction", use_credit=False)
    assert len(stub.hits(ADD)) == 1 and sleeps == []
    assert "不会重试" in info.value.details["hint"]


def test_add_export_is_sent_once_on_a_connection_reset(stub) -> None:
    stub.route("GET", ADD, Reset(), Answer(200, envelope("t1")))
    results, _ = gateway(stub.url)
    with pytest.raises(NetworkError):
        results.add_export("e1", "log", use_credit=False)
    assert len(stub.hits(ADD)) == 1


def test_other_reads_are_still_retried(stub) -> None:
    path = "/algorithm/backtest/getExportStatus"
    stub.route("GET", path, Answer(503, "busy"), Answer(200, envelope("1")))
    results, _ = gateway(stub.url)
    assert results.export_status("t1") == "ready"
    assert len(stub.hits(path)) == 2


def test_code_30000_is_a_credits_error_naming_use_credit(stub) -> None:
    body = json.dumps({"code": 30000, "status": "0", "data": {"ruleKey": "export_log"}})
    stub.route("GET", ADD, Answer(200, body))
    results, _ = gateway(stub.url)
    with pytest.raises(ApiError) as info:
        results.add_export("e1", "log", use_credit=False)
    assert info.value.details["reason"] == "credits_required"
    assert "--use-credit" in info.value.details["hint"]
    assert "useCredit=0" in stub.hits(ADD)[0].path


def test_use_credit_is_sent_only_when_asked(stub) -> None:
    stub.route("GET", ADD, Answer(200, envelope("t9")))
    results, _ = gateway(stub.url)
    assert results.add_export("e1", "position", use_credit=True) == "t9"
    assert "useCredit=1" in stub.hits(ADD)[0].path and "type=position" in stub.hits(ADD)[0].path


@pytest.mark.parametrize(("data", "state"), [(False, "packing"), ("1", "ready"), ("2", "empty"), (1, "ready")])
def test_export_status_values(stub, data, state) -> None:
    stub.route("GET", "/algorithm/backtest/getExportStatus", Answer(200, envelope(data)))
    assert gateway(stub.url)[0].export_status("t") == state


def test_export_zip_checks_the_magic_and_reads_members(stub) -> None:
    body = zip_of({"transaction.csv": b"a,b\n"})
    stub.route("GET", "/algorithm/backtest/getExportZip", Answer(200, body, content_type="application/zip"))
    archive = gateway(stub.url)[0].export_zip("t")
    assert archive.data == body and archive.members == {"transaction.csv": b"a,b\n"}


def test_export_zip_answered_by_a_login_page_is_not_authenticated(stub) -> None:
    stub.route("GET", "/algorithm/backtest/getExportZip", Answer(200, LOGIN_HTML, content_type="text/html"))
    with pytest.raises(NotAuthenticated):
        gateway(stub.url)[0].export_zip("t")


def test_export_zip_answered_by_json_is_the_sites_refusal(stub) -> None:
    stub.route("GET", "/algorithm/backtest/getExportZip", Answer(200, envelope(None, "20000", "2", "任务不存在")))
    with pytest.raises(ApiError, match="任务不存在"):
        gateway(stub.url)[0].export_zip("t")


def test_ledger_first_call_sends_only_the_id_then_the_cursor(stub) -> None:
    path = "/algorithm/backtest/transactionInfo"
    stub.route("GET", path, Answer(200, envelope({"status": "2", "transaction": [{"date": "x"}], "max": False})))
    results, _ = gateway(stub.url)
    results.ledger_page("transaction", "r1", LedgerCursor())
    results.ledger_page("transaction", "r1", LedgerCursor(99, "2024-01-05"))
    first, second = (hit.path for hit in stub.hits(path))
    assert "offset" not in first and "dateOffset" not in first
    assert "offset=99" in second and "dateOffset=2024-01-05" in second


def test_export_ids_read_each_buttons_own_id() -> None:
    page = (
        '<input id="backtestId" value="RUN"><span id="title-box">t</span>'
        '<a id="export-transaction-button" type="transaction" backtestid="T1">导出</a>'
        '<button class="export-btn" type="button" backtestid="P1" _type="position">导出</button>'
        '<a id="export-log-button" backtestid="L1">导出</a>'
    )
    ids = parse_export_ids(page, backtest_id="given")
    assert ids.run_id == "RUN" and dict(ids.buttons) == {"transaction": "T1", "position": "P1", "log": "L1"}
    assert ids.for_kind("transaction") == "T1"


def test_export_ids_fall_back_to_the_run_id_without_buttons() -> None:
    ids = parse_export_ids('<input id="backtestId" value="RUN"><span id="title-box">t</span>', backtest_id="g")
    assert ids.for_kind("log") == "RUN"
