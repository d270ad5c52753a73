"""Contract: the auth gateway against recorded traffic (login page → doLogin → isLogin)."""

from __future__ import annotations

from jqcli.adapters.joinquant.auth import JoinQuantAuthGateway


def test_login_then_session_is_logged_in(jq_recorder, record_target) -> None:
    gateway = JoinQuantAuthGateway(jq_recorder(""))
    result = gateway.login(record_target.username, record_target.password)
    names = [part.split("=", 1)[0].strip() for part in result.cookie.split(";")]
    assert "PHPSESSID" in names and "token" in names
    assert result.username == record_target.username


def test_session_info_reports_a_live_session(jq_session) -> None:
    info = JoinQuantAuthGateway(jq_session).session_info()
    assert info.logged_in is True
    assert info.user_name or info.alias
