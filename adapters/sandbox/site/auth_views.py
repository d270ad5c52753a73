"""Login page, password logins, the liveness probe and logout (protocol.md §1.2, §2.1, §2.2, §7.3)."""

from __future__ import annotations

import os
import sqlite3
import string
from typing import Optional, Tuple

from jqcli.adapters.sandbox.site import ids
from jqcli.adapters.sandbox.site.db import Database
from jqcli.adapters.sandbox.site.kernel import Call
from jqcli.adapters.sandbox.site.markup import login_page
from jqcli.adapters.sandbox.site.web import Response, fail, html_response, json_response, ok, redirect

SID_ALPHABET = string.ascii_lowercase + string.digits


def new_sid() -> str:
    """A PHPSESSID-like value: 26 characters of [a-z0-9]."""
    return "".join(SID_ALPHABET[b % len(SID_ALPHABET)] for b in os.urandom(26))


def login_index(call: Call) -> Response:
    """``GET /user/login/index``: sets PHPSESSID (and uid) and embeds ``window.tokenData``."""
    row = call.session
    if row is not None and row["page_token"]:
        return html_response(login_page(row["page_token"]))
    sid, page_token = new_sid(), ids.hex_token(20)
    with call.db.write() as conn:
        conn.execute(
            "INSERT INTO sessions(sid, token, user_id, page_token, created, expires) VALUES (?,?,?,?,?,?)",
            (sid, None, None, page_token, call.now, None),
        )
    resp = html_response(login_page(page_token))
    resp.set_cookie("PHPSESSID", sid)
    if "uid" not in call.req.cookies:
        resp.set_cookie("uid", ids.hex_token(16), max_age=10 * 365 * 86400)
    return resp


def do_login(call: Call) -> Response:
    """``POST /user/login/doLogin`` with ``CyLoginForm[username]``/``CyLoginForm[pwd]`` (+ ignored ``token``)."""
    return _login(call, call.req.param("CyLoginForm[username]"), call.req.param("CyLoginForm[pwd]"))


def do_login_by_text(call: Call) -> Response:
    """``POST /user/login/doLoginByText`` with ``username``/``pwd``."""
    return _login(call, call.req.param("username"), call.req.param("pwd"))


def _login(call: Call, username: str, password: str) -> Response:
    username = username.strip()
    if not username or not password:
        return json_response({"data": None, "status": "2", "code": "10000", "msg": "请输入账号和密码", "error": {}})
    if _captcha_required(call, username):
        # The site then wants a slider captcha; code 105 arrives as a JSON number.
        return fail("登录次数过多", code=105)
    user = call.db.one("SELECT * FROM users WHERE username=? AND password IS NOT NULL", (username,))
    if user is None or user["password"] != password:
        with call.db.write() as conn:
            conn.execute(
                "INSERT INTO login_failures(username, count, last) VALUES (?,1,?) "
                "ON CONFLICT(username) DO UPDATE SET count=count+1, last=excluded.last",
                (username, call.now),
            )
        return fail("用户不存在或密码错误")
    sid, token = new_sid(), ids.hex_token(20)
    expires = None if call.config.session_ttl is None else call.now + call.config.session_ttl
    with call.db.write() as conn:
        conn.execute("DELETE FROM login_failures WHERE username=?", (username,))
        if call.session is not None:
            conn.execute("DELETE FROM sessions WHERE sid=?", (call.session["sid"],))
        conn.execute(
            "INSERT INTO sessions(sid, token, user_id, page_token, created, expires) VALUES (?,?,?,?,?,?)",
            (sid, token, user["id"], ids.hex_token(20), call.now, expires),
        )
    resp = ok({"redirect": "/", "user": {"user": username, "mobile": username, "nickName": user["alias"]}})
    resp.set_cookie("PHPSESSID", sid)
    resp.set_cookie("token", token)
    return resp


def _captcha_required(call: Call, username: str) -> bool:
    limit = call.config.captcha_after
    if limit <= 0:
        return False
    row = call.db.one("SELECT count, last FROM login_failures WHERE username=?", (username,))
    return row is not None and row["count"] >= limit and call.now - row["last"] < 600


def is_login(call: Call) -> Response:
    """``/user/index/isLogin``: ``isLogin`` 1 with a rotating ``userId`` and the stable account ``uniqueKey``."""
    if call.user_id is None:
        return ok({"isLogin": 0})
    user = user_row(call, int(call.user_id))
    return ok(
        {
            "isLogin": 1,
            "userId": call.mint(ids.USER, user["id"]),
            "userName": user["username"],
            "alias": user["alias"],
            "vipType": user["vip_type"],
            "level": 1,
            "uniqueKey": user["unique_key"],
        }
    )


def logout(call: Call) -> Response:
    if call.session is not None:
        with call.db.write() as conn:
            conn.execute("DELETE FROM sessions WHERE sid=?", (call.session["sid"],))
    resp = redirect("/")
    resp.set_cookie("token", "deleted", max_age=0)
    return resp


def user_row(call: Call, user_id: int) -> sqlite3.Row:
    return call.db.row("SELECT * FROM users WHERE id=?", (user_id,))


def demo_session(db: Database, user_id: int, now: float, ttl: Optional[float]) -> Tuple[str, str]:
    """A live session of ``user_id`` (re-used when one exists), for the embedded instance."""
    row = db.one(
        "SELECT sid, token FROM sessions WHERE user_id=? AND token IS NOT NULL AND (expires IS NULL OR expires>?) "
        "ORDER BY created, sid LIMIT 1",
        (user_id, now),
    )
    if row is not None:
        return row["sid"], row["token"]
    sid, token = new_sid(), ids.hex_token(20)
    with db.write() as conn:
        conn.execute(
            "INSERT INTO sessions(sid, token, user_id, page_token, created, expires) VALUES (?,?,?,?,?,?)",
            (sid, token, user_id, ids.hex_token(20), now, None if ttl is None else now + ttl),
        )
    return sid, token
