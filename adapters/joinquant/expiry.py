"""Recognising a dead session in every shape the site uses (protocol.md §1.7).

Never test for the bare substring ``/user/login``: every logged-in page links
to ``/user/login/logout``.
"""

from __future__ import annotations

import re

from jqcli.adapters.http import HttpResponse

_LOGIN_TITLE = re.compile(r"<title>\s*用户登录", re.I)
_LOGIN_MARKERS = ('class="formPwdLogin"', 'name="CyLoginForm[username]"', 'action="/user/login/doLogin"')
# A strategy's code sits HTML-escaped in the editor's <textarea>; it may mention any
# of the markers, so textarea contents never count.
_TEXTAREA = re.compile(r"(?is)<textarea\b[^>]*>.*?</textarea>")
GEO_BLOCK_MARKER = "当前地区暂不支持访问"


def redirect_to_login(response: HttpResponse) -> bool:
    """A 3xx whose Location is the login page."""
    if 300 <= response.status < 400:
        location = response.header("Location")
        return "/user/login" in location and "/user/login/logout" not in location
    return False


def redirect_to_not_found(response: HttpResponse) -> bool:
    """A 3xx to the site's 404 page (``/default/index/404``, where it sends paths that name nothing)."""
    if 300 <= response.status < 400:
        path = response.header("Location").split("?", 1)[0].rstrip("/")
        return path.endswith("/404")
    return False


def is_login_page(text: str) -> bool:
    """HTML that is the login page itself (rendered instead of the page asked for)."""
    head = text[:20000]
    if _LOGIN_TITLE.search(head):
        return True
    if not any(marker in text for marker in _LOGIN_MARKERS):
        return False
    visible = _TEXTAREA.sub("", text)
    return any(marker in visible for marker in _LOGIN_MARKERS)


def json_says_expired(payload: object) -> bool:
    """The JSON shapes of an expired session: ``code`` 10001 or a ``redirect`` to the login page."""
    if not isinstance(payload, dict):
        return False
    if str(payload.get("code", "")).strip() == "10001":
        return True
    redirect = payload.get("redirect")
    if isinstance(redirect, str) and redirect:
        if "/user/login" in redirect and "logout" not in redirect:
            return True
        if str(payload.get("status", "")).strip() == "1":
            return True
    data = payload.get("data")
    if isinstance(data, dict) and isinstance(data.get("redirect"), str):
        redirect = data["redirect"]
        return "/user/login/index" in redirect and str(payload.get("code", "")) != "00000"
    return False


def is_geo_blocked(text: str) -> bool:
    return GEO_BLOCK_MARKER in text[:20000]


# The site's frequency protection (protocol.md §1.8): 「操作太频繁了~」 as a page or a JSON ``msg``.
THROTTLE_MARKERS = ("操作太频繁", "操作过于频繁", "访问太频繁", "访问过于频繁", "请求过于频繁")
THROTTLE_MESSAGE = "聚宽提示操作太频繁,暂时拒绝了请求"
THROTTLE_HINT = "等几分钟再试;读取列表时可设置 JQCLI_PAGE_WORKERS=1 逐页读取,降低请求频率"


def is_throttled(text: str) -> bool:
    """A page or message that is the frequency-protection notice (textarea contents never count)."""
    head = text[:20000]
    if not any(marker in head for marker in THROTTLE_MARKERS):
        return False
    visible = _TEXTAREA.sub("", head)
    return any(marker in visible for marker in THROTTLE_MARKERS)
