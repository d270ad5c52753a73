"""Community JSON: listV2, detailV2, replyList (protocol.md §2.17–2.19, Appendix A.1–A.3).

Numbers travel as strings, pinned posts (``isTop:"1"``) come first, ``postId``,
``userId``, ``lastReplyId`` and the post's ``backtestId`` rotate on every
response while ``uniqueKey`` stays.  Reply ids are stable (``oReplyId``
expansion needs them); ``lastReplyId`` is a rotating alias of the last reply.
"""

from __future__ import annotations

import sqlite3
from typing import Dict, List, Optional, Sequence, Tuple

from jqcli.adapters.sandbox.site import ids
from jqcli.adapters.sandbox.site.kernel import Call
from jqcli.adapters.sandbox.site.web import Response, fail, fmt_time, json_response, ok

ANON_MAX_PAGE = 10
MAX_LIMIT = 200
ORDER = {"isNewPublish": "add_time DESC", "isNew": "last_active_time DESC", "isHot": "view_count DESC"}
BEST_CATE = 14  # 精华: every post marked isBest; other tabs are the post's own category


def _int(text: str, default: int, low: int = 1, high: int = 10**9) -> int:
    try:
        return max(low, min(high, int(text)))
    except (TypeError, ValueError):
        return default


def _t(value: Optional[float]) -> str:
    return fmt_time(value) if value else ""


def list_v2(call: Call) -> Response:
    req = call.req
    page, limit = _int(req.param("page"), 1), _int(req.param("limit"), 20, 1, MAX_LIMIT)
    if call.user_id is None and page > ANON_MAX_PAGE:
        return json_response({"code": "400", "msg": "未授权"})
    where, params = ["1=1"], []
    cate = _int(req.param("cate"), 0, 0)
    if cate == BEST_CATE:
        where.append("is_best=1")
    elif cate:
        where.append("cate=?")
        params.append(cate)
    tags = [int(t) for t in req.param("tags").split(",") if t.strip().isdigit()]
    if tags:
        where.append(f"id IN (SELECT post_id FROM post_tags WHERE tag_key IN ({','.join('?' * len(tags))}))")
        params.extend(tags)
    cond = " AND ".join(where)
    order = ORDER.get(req.param("type"), ORDER["isNewPublish"])
    total, top = _counts(call, cond, tuple(params))
    rows = call.db.all(
        f"SELECT * FROM posts WHERE {cond} ORDER BY is_top DESC, {order}, id DESC LIMIT ? OFFSET ?",
        (*params, limit, (page - 1) * limit),
    )
    items = post_items(call, rows, preview=True)
    return ok(
        {"list": items, "totalCount": str(total), "currPage": page, "currTime": fmt_time(call.now), "topCount": top}
    )


def _counts(call: Call, cond: str, params: Tuple[object, ...]) -> Tuple[int, int]:
    """(total, pinned) for a filter; cached, since no endpoint adds or removes posts."""
    key = (cond, params)
    cached = call.site.post_counts.get(key)
    if cached is None:
        row = call.db.row(f"SELECT COUNT(*), COALESCE(SUM(is_top), 0) FROM posts WHERE {cond}", params)
        cached = call.site.post_counts[key] = (int(row[0]), int(row[1]))
    return cached


def post_items(call: Call, rows: Sequence[sqlite3.Row], *, preview: bool) -> List[Dict[str, object]]:
    post_ids = [r["id"] for r in rows]
    marks = ",".join("?" * len(post_ids))
    tags: Dict[int, List[Dict[str, object]]] = {}
    users: Dict[int, sqlite3.Row] = {}
    if post_ids:
        for t in call.db.all(
            f"SELECT pt.post_id, t.tag_key, t.name FROM post_tags pt JOIN tags t ON t.tag_key=pt.tag_key"
            f" WHERE pt.post_id IN ({marks}) ORDER BY t.tag_key",
            tuple(post_ids),
        ):
            tags.setdefault(t["post_id"], []).append({"tagKey": str(t["tag_key"]), "name": t["name"]})
        user_ids = sorted({r["user_id"] for r in rows})
        for u in call.db.all(f"SELECT * FROM users WHERE id IN ({','.join('?' * len(user_ids))})", tuple(user_ids)):
            users[u["id"]] = u
    return [_post(call, r, users[r["user_id"]], tags.get(r["id"], []), preview) for r in rows]


def _post(
    call: Call, r: sqlite3.Row, user: sqlite3.Row, tag_info: List[Dict[str, object]], preview: bool
) -> Dict[str, object]:
    content = r["content"]
    return {
        "postId": call.mint(ids.POST, r["id"]),
        "uniqueKey": r["unique_key"],
        "title": r["title"],
        "content": content[:160] if preview else content,
        "addTime": _t(r["add_time"]),
        "modTime": _t(r["mod_time"]),
        "lastActiveTime": _t(r["last_active_time"]),
        "lastReplyTime": _t(r["last_reply_time"]),
        "replyCount": str(r["reply_count"]),
        "viewCount": str(r["view_count"]),
        "likeCount": str(r["like_count"]),
        "collectionCount": str(r["collection_count"]),
        "isTop": str(r["is_top"]),
        "isBest": str(r["is_best"]),
        "type": "1",
        "backtestId": call.mint(ids.BACKTEST, r["backtest_id"]) if r["backtest_id"] else "",
        "backtestCloneCount": str(r["clone_count"]),
        "backtestPicUrl": "",
        "notebookPath": "",
        "notebookReport": "",
        "notebookCloneCount": "0",
        "fileKey": "",
        "fileName": "",
        "fileType": "",
        "fileDownloadCount": "0",
        "tagInfo": tag_info,
        "user": {"userId": call.mint(ids.USER, user["id"]), "alias": user["alias"]},
    }


def find_post(call: Call, alias: str) -> Optional[sqlite3.Row]:
    """A post by its stable ``uniqueKey`` or any ``postId`` alias ever issued."""
    alias = (alias or "").strip().lower()
    if not alias:
        return None
    row = call.db.one("SELECT * FROM posts WHERE unique_key=?", (alias,))
    if row is None:
        obj = call.resolve(ids.POST, alias)
        row = None if obj is None else call.db.one("SELECT * FROM posts WHERE id=?", (obj,))
    return row


def detail_v2(call: Call) -> Response:
    post = find_post(call, call.req.param("postId"))
    if post is None:
        return fail("帖子不存在或已被删除")
    data = post_items(call, [post], preview=False)[0]
    author = call.db.row("SELECT * FROM users WHERE id=?", (post["user_id"],))
    del data["user"]
    last_reply = call.db.scalar("SELECT MAX(id) FROM replies WHERE post_id=?", (post["id"],))
    backtest_name = ""
    if post["backtest_id"]:
        backtest_name = call.db.scalar("SELECT name FROM backtests WHERE id=?", (post["backtest_id"],), "")
    data.update(
        {
            "author": {
                "userId": call.mint(ids.USER, author["id"]),
                "alias": author["alias"],
                "headImgKey": author["head_img_key"],
                "vipType": author["vip_type"],
            },
            "userId": call.mint(ids.USER, author["id"]),
            "lastReplyId": call.mint(ids.REPLY, int(last_reply)) if last_reply else "",
            "disLikeCount": str(post["dislike_count"]),
            "isRich": "0",
            "isWorth": "1" if post["is_best"] else "0",
            "status": "0",
            "ipAddress": post["ip_address"],
            "backtestName": backtest_name,
            "fileSize": "0",
            "bounty": [],
            "currTime": fmt_time(call.now),
        }
    )
    return ok(data)


def reply_list(call: Call) -> Response:
    """20 top-level replies per page, each with ``subReply{list (first 2), leaveCount}``; ``oReplyId`` pages one
    reply's sub-replies (all of them, from the first)."""
    post = find_post(call, call.req.param("postId"))
    if post is None:
        return fail("帖子不存在或已被删除")
    page, limit = _int(call.req.param("page"), 1), _int(call.req.param("limit"), 20, 1, 100)
    root_alias = call.req.param("oReplyId").strip().lower()
    if root_alias:
        root = call.db.one("SELECT id FROM replies WHERE reply_key=? AND post_id=?", (root_alias, post["id"]))
        if root is None:
            return fail("回复不存在")
        cond, params = "o_reply_id=?", (root["id"],)
    else:
        cond, params = "post_id=? AND o_reply_id IS NULL", (post["id"],)
    total = call.db.scalar(f"SELECT COUNT(*) FROM replies WHERE {cond}", params, 0)
    rows = call.db.all(
        f"SELECT * FROM replies WHERE {cond} ORDER BY add_time, id LIMIT ? OFFSET ?",
        (*params, limit, (page - 1) * limit),
    )
    replies = [_reply(call, r, post, nested=not root_alias) for r in rows]
    return ok(
        {
            "replyArr": replies,
            "totalCount": str(total),
            "canChooseBest": call.user_id == post["user_id"],
            "isFaq": post["cate"] == 10,
            "currTime": fmt_time(call.now),
        }
    )


def _reply_backtest(call: Call, r: sqlite3.Row, post: sqlite3.Row) -> Optional[Dict[str, str]]:
    """The post's backtest on its author's top-level replies (protocol.md §2.19: replies carry ``backtestId``,
    ``backtestName`` and ``overallReturn``), with the run's real total return as a ratio string."""
    if not post["backtest_id"] or r["user_id"] != post["user_id"]:
        return None
    from jqcli.adapters.sandbox.site.run_view import RunView
    from jqcli.adapters.sandbox.site.runs import DONE

    bt = call.db.one("SELECT * FROM backtests WHERE id=?", (post["backtest_id"],))
    if bt is None:
        return None
    run = RunView(call.site, bt, call.now)
    total = run.stats().get("algorithm_return") if run.state == DONE else None
    return {
        "backtestId": call.mint(ids.BACKTEST, bt["id"]),
        "backtestName": bt["name"] or "",
        "overallReturn": f"{float(total):.4f}" if isinstance(total, (int, float)) else "0",
    }


def _reply(call: Call, r: sqlite3.Row, post: sqlite3.Row, *, nested: bool) -> Dict[str, object]:
    user = call.db.row("SELECT * FROM users WHERE id=?", (r["user_id"],))
    keys = {}
    for ref in (r["p_reply_id"], r["o_reply_id"]):
        if ref and ref not in keys:
            keys[ref] = call.db.scalar("SELECT reply_key FROM replies WHERE id=?", (ref,), "")
    sub: Dict[str, object] = {"list": [], "leaveCount": "0"}
    if nested:
        subs = call.db.all("SELECT * FROM replies WHERE o_reply_id=? ORDER BY add_time, id LIMIT 2", (r["id"],))
        count = call.db.scalar("SELECT COUNT(*) FROM replies WHERE o_reply_id=?", (r["id"],), 0)
        sub = {"list": [_reply(call, s, post, nested=False) for s in subs], "leaveCount": str(count - len(subs))}
    user_alias = call.mint(ids.USER, user["id"])
    backtest = _reply_backtest(call, r, post) if nested else None
    return {
        "replyId": r["reply_key"],
        "postId": call.mint(ids.POST, post["id"]),
        "content": r["content"],
        "user": {
            "userId": user_alias,
            "alias": user["alias"],
            "headImgKey": user["head_img_key"],
            "vipType": user["vip_type"],
        },
        "userId": user_alias,
        "addTime": fmt_time(r["add_time"]),
        "modTime": fmt_time(r["add_time"]),
        "ipAddress": post["ip_address"],
        "isBest": str(r["is_best"]),
        "isRich": "0",
        "isOwner": call.user_id == r["user_id"],
        "isPostUser": r["user_id"] == post["user_id"],
        **(backtest or {"backtestId": "", "backtestName": "", "overallReturn": "0"}),
        "pReplyId": keys.get(r["p_reply_id"], "") if r["p_reply_id"] else "",
        "oReplyId": keys.get(r["o_reply_id"], "") if r["o_reply_id"] else "",
        "subReply": sub,
    }
