"""AuthStatus, Login, ImportCredential and Logout on fakes: the order of checks, what is saved, with which site."""

from __future__ import annotations

from typing import Callable, List, Tuple, TypeVar

import pytest

from jqcli.application.auth import AuthState, AuthStatus, ImportCredential, Login, Logout
from jqcli.domain.credentials import Credentials, ResolvedCredential
from jqcli.domain.errors import NotAuthenticated, UsageError
from jqcli.domain.redaction import SECRETS
from jqcli.entrypoints.presenters import auth_status, logged_out
from tests.fakes import FakeAuthGateway, FakeCredentialStore

T = TypeVar("T")


def noting(asked: List[str], what: str, value: T) -> Callable[[], T]:
    """A provider that notes in ``asked`` that it was called."""

    def provide() -> T:
        asked.append(what)
        return value

    return provide


def _status(credential: ResolvedCredential, gateway: FakeAuthGateway, *, verify: bool) -> Tuple[AuthState, List[int]]:
    built: List[int] = []

    def provide() -> FakeAuthGateway:
        built.append(1)
        return gateway

    state = AuthStatus(provide).execute(
        credential, api_base="https://www.joinquant.com", username="", config_path="/cfg/config.json", verify=verify
    )
    return state, built


def test_status_without_verify_never_builds_the_gateway() -> None:
    state, built = _status(ResolvedCredential("cookie", "a=1", "config"), FakeAuthGateway(), verify=False)
    assert built == [] and state.authenticated and state.session is None
    assert auth_status(state) == {
        "authenticated": True,
        "api_base": "https://www.joinquant.com",
        "credential_source": "cookie",
        "username": None,
        "credential_origin": "config",
        "config_path": "/cfg/config.json",
    }


def test_status_verify_reports_the_site_session() -> None:
    state, _ = _status(ResolvedCredential("token", "t", "env"), FakeAuthGateway(), verify=True)
    data = auth_status(state)
    assert data["verified"] is True and data["session"] == {"user_name": "demo", "alias": "演示"}


def test_status_verify_without_credential_or_with_a_dead_session_is_not_authenticated() -> None:
    gateway = FakeAuthGateway(logged_in=False)
    with pytest.raises(NotAuthenticated, match="未登录"):
        _status(ResolvedCredential(), gateway, verify=True)
    assert gateway.probes == 0  # nothing to verify: no request
    with pytest.raises(NotAuthenticated, match="isLogin=0") as raised:
        _status(ResolvedCredential("cookie", "a=1", "config"), gateway, verify=True)
    assert raised.value.details["api_base"] == "https://www.joinquant.com"


def test_login_asks_username_then_password_then_site_and_saves_the_cookie_with_its_site() -> None:
    store, gateway, asked = FakeCredentialStore(), FakeAuthGateway(), []

    def password() -> str:
        asked.append("password")
        return "demo-pass-7f3a"

    def site() -> str:
        asked.append("site")
        return "http://127.0.0.1:9"

    assert Login(lambda: gateway, store).execute(" demo ", password, site=site) == "demo"
    assert asked == ["password", "site"] and gateway.logins == [("demo", "demo-pass-7f3a")]
    assert store.credentials == Credentials(cookie="PHPSESSID=fresh; token=t1", username="demo")
    assert store.api_base == "http://127.0.0.1:9" and "7f3a" not in SECRETS.redact("x=demo-pass-7f3a")  # registered


def test_login_without_username_asks_nothing_and_builds_no_gateway() -> None:
    store, asked = FakeCredentialStore(), []
    with pytest.raises(UsageError, match="缺少账号"):
        Login(noting(asked, "gateway", FakeAuthGateway()), store).execute("  ", noting(asked, "password", "pw"))
    assert asked == [] and store.saves == 0


def test_a_refused_login_saves_nothing() -> None:
    store = FakeCredentialStore(Credentials(token="old"))
    with pytest.raises(NotAuthenticated):
        Login(FakeAuthGateway, store).execute("demo", lambda: "not-the-password-91c")
    assert store.saves == 0 and store.credentials.token == "old"


def test_import_cookie_normalises_the_header_and_saves_it() -> None:
    store = FakeCredentialStore()
    kind = ImportCredential(store).execute("cookie", "Cookie:  a=1;b=2 ", username=" u ", site=lambda: "")
    assert kind == "cookie" and store.credentials == Credentials(cookie="a=1; b=2", username="u")


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("token", "two words", "token 格式不对"),
        ("token", "  ", "token 格式不对"),
        ("cookie", "novalue", "cookie 格式不对"),
    ],
)
def test_a_bad_credential_is_refused_before_the_site_is_resolved(kind: str, value: str, message: str) -> None:
    store, asked = FakeCredentialStore(), []
    with pytest.raises(UsageError, match=message):
        ImportCredential(store).execute(kind, value, site=noting(asked, "site", ""))
    assert asked == [] and store.saves == 0


def test_logout_reports_a_corrupt_config_reset() -> None:
    assert logged_out(Logout(FakeCredentialStore(Credentials(token="t"))).execute()) == {"ok": True}
    outcome = Logout(FakeCredentialStore(corrupt=True)).execute()
    assert outcome.reset and logged_out(outcome) == {
        "ok": True,
        "config_reset": True,
        "backup": "/cfg/config.json.corrupt",
    }
