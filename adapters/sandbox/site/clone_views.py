"""Cloning a community backtest into one's own strategies (protocol.md §2.20, §2.21, Appendix A.4).

``checkBacktestView`` spends nothing: it reports the balance (``amount``), the
price (``reduce``; 0 for one's own post or one already paid for) and a signed
``secret``/``random`` pair.  ``dealCreditsHander`` checks the signature,
charges the price once per account and post, and creates the clone in the
caller's strategy list.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from typing import Tuple, Union

from jqcli.adapters.sandbox.site import ids
from jqcli.adapters.sandbox.site.community_views import find_post
from jqcli.adapters.sandbox.site.kernel import Call
from jqcli.adapters.sandbox.site.strategy_views import DEFAULTS
from jqcli.adapters.sandbox.site.web import Response, fail, ok


def _target(call: Call) -> Union[Tuple[sqlite3.Row, sqlite3.Row], Response]:
    """(post, backtest row) named by ``postId`` and ``backId``, or the refusal."""
    post = find_post(call, call.req.param("postId"))
    if post is None:
        return fail("帖子不存在或已被删除")
    backtest_id = call.resolve(ids.BACKTEST, call.req.param("backId"))
    if not post["backtest_id"] or backtest_id != post["backtest_id"]:
        return fail("回测不存在")
    bt = call.db.row("SELECT * FROM backtests WHERE id=?", (backtest_id,))
    return post, bt


def _price(call: Call, post: sqlite3.Row) -> int:
    if post["user_id"] == call.user_id:
        return 0
    paid = call.db.one("SELECT 1 FROM purchases WHERE user_id=? AND post_id=?", (call.user_id, post["id"]))
    return 0 if paid else int(post["clone_cost"])


def _secret(call: Call, post_id: int, backtest_id: int, random_value: str) -> str:
    key = call.db.meta("secret").encode()
    msg = f"{call.user_id}:{post_id}:{backtest_id}:{random_value}".encode()
    return hmac.new(key, msg, hashlib.sha1).hexdigest()


def _openable(call: Call, post: sqlite3.Row, bt: sqlite3.Row) -> str:
    """The editor URL of a strategy the caller already owns for this post (own post, or a clone already
    paid for), else "" (protocol.md §2.20: the check then answers ``url``/``redirect``)."""
    strategy_id = None
    if post["user_id"] == call.user_id and bt["strategy_id"]:
        strategy_id = bt["strategy_id"]
    else:
        strategy_id = call.db.scalar(
            "SELECT strategy_id FROM clones WHERE user_id=? AND post_id=?", (call.user_id, post["id"])
        )
    if strategy_id is None:
        return ""
    live = call.db.one("SELECT 1 FROM strategies WHERE id=? AND user_id=? AND deleted=0", (strategy_id, call.user_id))
    if live is None:
        return ""
    return f"/algorithm/index/edit?algorithmId={call.mint(ids.STRATEGY, int(strategy_id))}"


def check_backtest_view(call: Call) -> Response:
    target = _target(call)
    if isinstance(target, Response):
        return target
    post, bt = target
    amount = int(call.db.scalar("SELECT credits FROM users WHERE id=?", (call.user_id,), 0))
    reduce = _price(call, post)
    random_value = str(int(call.now))
    url = _openable(call, post, bt)
    extra = {"url": url, "redirect": url} if url else {}
    return ok(
        {
            "amount": amount,
            "reduce": reduce,
            "usable": amount // reduce if reduce else amount,
            "isview": 1,
            "reason": "more" if amount >= reduce else "deny",
            "secret": _secret(call, post["id"], bt["id"], random_value),
            "random": int(random_value),
            **extra,
        }
    )


def deal_credits_hander(call: Call) -> Response:
    target = _target(call)
    if isinstance(target, Response):
        return target
    post, bt = target
    random_value = call.req.param("random").strip()
    expected = _secret(call, post["id"], bt["id"], random_value)
    if not random_value or not hmac.compare_digest(expected, call.req.param("secret").strip()):
        return fail("参数错误,请刷新页面后重试")
    with call.db.write() as conn:
        credits = conn.execute("SELECT credits FROM users WHERE id=?", (call.user_id,)).fetchone()[0]
        price = 0 if post["user_id"] == call.user_id else int(post["clone_cost"])
        if conn.execute("SELECT 1 FROM purchases WHERE user_id=? AND post_id=?", (call.user_id, post["id"])).fetchone():
            price = 0
        if credits < price:
            return fail("积分不足")
        if price:
            conn.execute("UPDATE users SET credits=credits-? WHERE id=?", (price, call.user_id))
        conn.execute("INSERT OR IGNORE INTO purchases(user_id, post_id) VALUES (?,?)", (call.user_id, post["id"]))
        cur = conn.execute(
            "INSERT INTO strategies(user_id, folder_id, name, code, created, modified, start_date, end_date,"
            " capital, frequency) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                call.user_id,
                None,
                bt["name"] or post["title"],
                bt["code"],
                call.now,
                call.now,
                bt["start_date"],
                bt["end_date"],
                str(int(bt["capital"])),
                bt["frequency"] or DEFAULTS["frequency"],
            ),
        )
        new_id = int(cur.lastrowid or 0)
        ids.register_canonical(conn, call.config.seed, ids.STRATEGY, [new_id])
        conn.execute(
            "INSERT OR REPLACE INTO clones(user_id, post_id, strategy_id) VALUES (?,?,?)",
            (call.user_id, post["id"], new_id),
        )
        conn.execute("UPDATE posts SET clone_count=clone_count+1 WHERE id=?", (post["id"],))
    edit_id = call.mint(ids.STRATEGY, new_id)
    return ok(
        {
            "url": f"/algorithm/index/edit?algorithmId={edit_id}&startTime={bt['start_date']}",
            "redirect": "",
            "credits": {"amount": credits - price, "reduce": price},
        }
    )
