"""Auth use cases: AuthStatus, Login, ImportCredential, Logout (``jqcli auth …``).

Which credential a command uses (flags > ``JQCLI_*``/.env > the config file) is the settings'
resolution; these use cases check, obtain, save and forget credentials through the
``CredentialStore`` and ``AuthGateway`` ports.  A credential is always saved with the site it
belongs to (``site``: "" for the real site), so that the two change together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, NamedTuple, Optional

from jqcli.domain.credentials import (
    ConfigCleared,
    Credentials,
    ResolvedCredential,
    credential_problem,
    parse_cookie_header,
)
from jqcli.domain.errors import NotAuthenticated, UsageError
from jqcli.domain.redaction import SECRETS

if TYPE_CHECKING:  # the ports module needs attrs; ``auth`` commands run on the fast path without it
    from jqcli.application.ports import AuthGateway, CredentialStore, SessionInfo

# Plain classes, not attrs: ``auth status`` is on the fast path (tests/unit/test_startup_and_packaging.py).
# The gateway is built on first use: ``auth status`` stays offline (and imports nothing of the
# network) unless asked to verify, and a bad site address is reported after a missing argument.
GatewayProvider = Callable[[], "AuthGateway"]


class AuthState(NamedTuple):
    """What ``auth status`` found: the credential in use and, when verified, the site's session."""

    authenticated: bool
    api_base: str
    credential_source: str  # "cookie" | "token" | ""
    username: str
    credential_origin: str  # "flag" | "env" | "config" | "sandbox" | ""
    config_path: str
    session: Optional[SessionInfo] = None  # set only by a verification the site accepted


class AuthStatus:
    """``auth status [--verify]``: the local credential, and optionally the read-only liveness probe."""

    def __init__(self, gateway: GatewayProvider) -> None:
        self.gateway = gateway

    def execute(
        self, credential: ResolvedCredential, *, api_base: str, username: str, config_path: str, verify: bool = False
    ) -> AuthState:
        state = AuthState(
            authenticated=bool(credential),
            api_base=api_base,
            credential_source=credential.kind,
            username=username,
            credential_origin=credential.origin,
            config_path=config_path,
        )
        if not verify:
            return state
        if not credential:
            raise NotAuthenticated("未登录,请先配置 token/cookie", hint="运行 jqcli auth login 或 auth import-cookie")
        info = self.gateway().session_info()
        if not info.logged_in:
            raise NotAuthenticated(
                "会话已失效(isLogin=0),请重新登录", details={"api_base": api_base}, hint="运行 jqcli auth login"
            )
        return state._replace(session=info)


class Login:
    """``auth login``: a password login on a fresh session; the site's session cookies are saved."""

    def __init__(self, gateway: GatewayProvider, store: CredentialStore) -> None:
        self.gateway = gateway  # a logged-out session: the login must not carry an old cookie
        self.store = store

    def execute(self, username: str, password: Callable[[], str], *, site: Callable[[], str] = str) -> str:
        """Log in as ``username``; the username saved.

        ``password`` is asked for only once the username is known, and ``site`` (the site the cookie is
        saved for, which may warn about a saved custom site) only once there is a password.
        """
        username = username.strip()
        if not username:
            raise UsageError("缺少账号:请传 --username 或设置 JQCLI_USERNAME")
        secret = password()
        SECRETS.add(secret)
        saved_for = site()
        result = self.gateway().login(username, secret)
        self.store.save(Credentials(cookie=result.cookie, username=username), api_base=saved_for)
        return username


class ImportCredential:
    """``auth import-token`` / ``auth import-cookie``: check a pasted credential and save it."""

    def __init__(self, store: CredentialStore) -> None:
        self.store = store

    def execute(self, kind: str, value: str, *, username: str = "", site: Callable[[], str] = str) -> str:
        """Save ``value`` as the ``kind`` ("token" or "cookie") credential; the kind saved.

        ``site`` (the site it is saved for) is resolved once the value is known to be good.
        """
        if kind == "token":
            credentials = Credentials(token=token_of(value), username=username.strip())
        elif kind == "cookie":
            credentials = Credentials(cookie=cookie_of(value), username=username.strip())
        else:
            raise UsageError(f"未知的凭据类型: {kind}")
        self.store.save(credentials, api_base=site())
        return kind


def token_of(value: str) -> str:
    """A pasted token, checked (one line, no whitespace)."""
    value = value.strip()
    problem = credential_problem("token", value) or ("不能包含空白" if any(ch.isspace() for ch in value) else "")
    if not value or problem:
        raise UsageError(f"token 格式不对:{problem or '为空'}")
    return value


def cookie_of(value: str) -> str:
    """A pasted ``Cookie`` header (optionally with its ``Cookie:`` name), normalised to ``a=1; b=2``."""
    value = value.strip()
    if value.lower().startswith("cookie:"):
        value = value[len("cookie:") :].strip()
    problem = credential_problem("cookie", value)
    if problem:
        raise UsageError(f"cookie 格式不对:{problem}")
    pairs = parse_cookie_header(value)
    if not pairs:
        raise UsageError("cookie 格式不对:应为浏览器中的 name=value; name2=value2")
    return "; ".join(f"{name}={val}" for name, val in pairs)


class Logout:
    """``auth logout``: forget the saved token/cookie/username (the environment is not touched)."""

    def __init__(self, store: CredentialStore) -> None:
        self.store = store

    def execute(self) -> ConfigCleared:
        return self.store.clear()
