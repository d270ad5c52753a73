"""Login and the session probe (protocol.md §1.2, §2.1, §2.2)."""

from __future__ import annotations

from typing import Any, Dict

from jqcli.adapters.joinquant.html import extract_page_token
from jqcli.adapters.joinquant.session import JoinQuantSession, credentials_allowed, decode
from jqcli.application.ports import LoginResult, SessionInfo
from jqcli.domain.errors import ApiError, NotAuthenticated, UsageError

LOGIN_PAGE = "/user/login/index"
DO_LOGIN = "/user/login/doLogin"
IS_LOGIN = "/user/index/isLogin"


class JoinQuantAuthGateway:
    """Implements ``AuthGateway`` over a session (a fresh, cookie-less one for login)."""

    def __init__(self, session: JoinQuantSession, *, allow_custom_api_base: bool = False) -> None:
        self.session = session
        self.allow_custom_api_base = allow_custom_api_base

    def login(self, username: str, password: str) -> LoginResult:
        if not (self.allow_custom_api_base or credentials_allowed(self.session.api_base)):
            raise UsageError(
                f"拒绝把账号密码发送到非聚宽站点: {self.session.api_base}",
                hint="确认该地址可信时加 --allow-custom-api-base 或设置 JQCLI_ALLOW_CUSTOM_API_BASE=1",
            )
        page = self.session.request("GET", LOGIN_PAGE, xhr=False, auth="optional", follow=True)
        token = extract_page_token(decode(page))
        if not token:
            raise ApiError("无法从登录页提取 token(window.tokenData),登录页可能已改版", details={"path": LOGIN_PAGE})
        form = [("CyLoginForm[username]", username), ("CyLoginForm[pwd]", password), ("token", token)]
        payload = self.session.post_json(DO_LOGIN, form, referer=LOGIN_PAGE, auth="optional")
        _raise_for_login_failure(payload)
        info = self.session_info()
        if not info.logged_in:
            raise ApiError("登录接口返回成功,但会话校验(isLogin)未通过", details={"path": IS_LOGIN})
        data = payload.get("data")
        found = data.get("user") if isinstance(data, dict) else None
        user: Dict[str, object] = found if isinstance(found, dict) else {}
        return LoginResult(cookie=self.session.jar.header(), username=username, user=user)

    def session_info(self) -> SessionInfo:
        payload = self.session.get_json(IS_LOGIN, auth="required")
        raw = payload.get("data")
        data: Dict[str, Any] = raw if isinstance(raw, dict) else {}
        if str(payload.get("code", "")) not in ("00000", "0") and not data:
            raise ApiError(
                f"会话检查失败: {payload.get('msg') or payload.get('code')}",
                details={"code": payload.get("code")},
            )
        logged_in = str(data.get("isLogin", "0")).strip() in ("1", "true", "True")
        return SessionInfo(
            logged_in=logged_in,
            user_name=str(data.get("userName") or ""),
            alias=str(data.get("alias") or ""),
            account_key=str(data.get("uniqueKey") or ""),
        )


def _raise_for_login_failure(payload: dict) -> None:
    code = str(payload.get("code", "")).strip()
    if code == "00000":
        return
    message = str(payload.get("msg") or "").strip()
    error = payload.get("error")
    if isinstance(error, dict) and error:
        message = (message + ": " if message else "") + "; ".join(str(v) for v in error.values())
    details = {"code": payload.get("code"), "msg": message}
    if code == "105":
        raise NotAuthenticated(
            "登录需要滑块验证码(code 105),jqcli 无法自动完成",
            details={**details, "captcha_required": True},
            hint="在浏览器中登录聚宽后,用 jqcli auth import-cookie 导入 cookie;或稍后再试",
        )
    if "频繁" in message:
        raise ApiError(f"登录过于频繁:{message}", details=details, hint="稍等几分钟再试")
    if "繁忙" in message or "稍后" in message:  # 「系统繁忙，请稍后重试」 says nothing about the password
        raise ApiError(
            f"聚宽系统繁忙,登录没有完成:{message}",
            details={**details, "busy": True},
            hint="这是聚宽的临时状态,与账号密码无关;稍后再运行 jqcli auth login",
        )
    if code in ("20000", "10000") or "密码" in message:
        raise NotAuthenticated(
            f"登录失败:{message or '用户名或密码错误'}",
            details=details,
            hint="检查 JQCLI_USERNAME / JQCLI_PASSWORD",
        )
    raise ApiError(f"登录失败:{message or code or '未知错误'}", details=details)
