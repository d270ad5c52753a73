"""End to end: auth commands of the installed CLI against ``jqcli sandbox serve``."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e


def test_login_status_verify_logout_cycle(jq) -> None:
    login = jq.login()
    assert login.json == {"ok": True, "username": jq.server.username, "credential": "cookie"}
    status = jq("auth", "status", "--verify")
    assert status.code == 0, status
    assert status.json["authenticated"] is True and status.json["verified"] is True
    assert status.json["api_base"] == jq.server.url
    saved = json.loads((jq.home / "config" / "jqcli" / "config.json").read_text())
    assert "PHPSESSID=" in saved["cookie"] and "token=" in saved["cookie"]
    assert jq("auth", "logout").json == {"ok": True}
    after = jq("--api-base", jq.server.url, "auth", "status", "--verify", login=False)
    assert after.code == 1 and after.error["code"] == "not_authenticated"


def test_wrong_password_is_not_authenticated(jq) -> None:
    result = jq.raw(
        "--api-base",
        jq.server.url,
        "--format",
        "json",
        "auth",
        "login",
        "--username",
        jq.server.username,
        "--password-stdin",
        input="definitely-wrong\n",
    )
    assert result.code == 1 and result.error["code"] == "not_authenticated"
    assert not (jq.home / "config" / "jqcli" / "config.json").exists()


def test_forged_cookie_fails_verify_never_succeeds_empty(jq) -> None:
    result = jq("--cookie", "PHPSESSID=forged; token=forged", "auth", "status", "--verify", login=False)
    assert result.code == 1 and result.error["code"] == "not_authenticated"


def test_embedded_sandbox_is_logged_in_and_leaves_real_config_alone(jq) -> None:
    jq.raw("--format", "json", "auth", "import-cookie", "--cookie", "PHPSESSID=real; token=real")
    before = (jq.home / "config" / "jqcli" / "config.json").read_text()
    status = jq.raw("--sandbox", "--format", "json", "auth", "status", "--verify")
    assert status.code == 0, status
    assert status.json["verified"] is True and status.json["api_base"] == "http://sandbox.localhost"
    env_status = jq.raw("--format", "json", "auth", "status", "--verify", env={"JQCLI_SANDBOX": "1"})
    assert env_status.code == 0 and env_status.json["verified"] is True
    assert (jq.home / "config" / "jqcli" / "config.json").read_text() == before
    assert (jq.home / "data" / "jqcli" / "sandbox").is_dir()
