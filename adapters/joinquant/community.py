"""Community gateways: ``listV2``, ``detailV2``, ``replyList``, backtest stats, and cloning.

Wire facts (protocol.md §2.17–2.21, Appendix A): numbers arrive as strings,
``postId``/``userId``/``backtestId`` rotate on every response while
``uniqueKey`` is stable, the detail uses ``author`` where the list uses
``user``, and ``subReply`` is an object ``{list, leaveCount}`` (older code
also saw a bare list).  Parsing is lenient; an envelope that is not a success,
or a ``data`` of the wrong shape, is an ``ApiError`` naming the endpoint.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, cast
from urllib.parse import quote

from jqcli.adapters.joinquant.session import JoinQuantSession
from jqcli.adapters.joinquant.wire import is_success, lenient_bool, lenient_float, lenient_int, lenient_str
from jqcli.domain.community import LatestQuery, Post, PostDetail, PostPage, ReplyPage, post_url
from jqcli.domain.errors import ApiError, NotAuthenticated, NotFound

if TYPE_CHECKING:  # the clone models: only `community clone` builds them
    from jqcli.domain.clone import CloneCheck, CloneOutcome

LIST_PATH = "/community/post/listV2"
DETAIL_PATH = "/community/post/detailV2"
REPLY_PATH = "/community/post/replyList"
STATS_PATH = "/algorithm/backtest/stats"
CHECK_PATH = "/community/post/checkBacktestView"
DEAL_PATH = "/community/post/dealCreditsHander"  # (sic: the site's spelling)
LOGIN_HINT = "运行 jqcli auth login 后重试(匿名用户只能读取社区列表前 10 页)"


def _s(raw: Mapping[str, Any], key: str) -> str:
    return lenient_str(raw.get(key))


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _tags(raw: Any) -> list[dict[str, str]]:
    tags = []
    for tag in raw if isinstance(raw, list) else ():
        if isinstance(tag, Mapping):
            tags.append(
                {"id": lenient_str(tag.get("tagKey") or tag.get("tagId")), "name": lenient_str(tag.get("name"))}
            )
    return tags


def _research(raw: Mapping[str, Any]) -> dict[str, object]:
    return {
        "notebook_path": _s(raw, "notebookPath"),
        "notebook_report": _s(raw, "notebookReport"),
        "notebook_clone_count": lenient_int(raw.get("notebookCloneCount")),
    }


def normalize_post(raw: Mapping[str, Any]) -> Post:
    """A ``listV2`` post → the spec's item, with ``id`` = uniqueKey and ``post_id`` = the rotating postId.

    Runs once per post of every list page (34k times in a full archive walk): the common wire shapes
    (a text, a number as decimal digits) are read inline, anything else goes through the lenient helpers.
    """
    get = raw.get

    def text(key: str, source: Callable[[str], Any] = get) -> str:
        value = source(key)
        return value if type(value) is str else lenient_str(value)

    def number(key: str) -> int:
        value = get(key)
        if type(value) is int:
            return value
        if type(value) is str and 0 < len(value) < 16 and value.isascii() and value.isdigit():
            return int(value)
        return lenient_int(value)

    post_id = text("postId")
    key = text("uniqueKey") or post_id
    tags_raw = get("tagInfo")
    tags: list[dict[str, str]] = []
    if type(tags_raw) is list:
        for tag in tags_raw:
            if type(tag) is dict or isinstance(tag, Mapping):
                tag_id = tag.get("tagKey") or tag.get("tagId")
                name = tag.get("name")
                tags.append(
                    {
                        "id": tag_id if type(tag_id) is str else lenient_str(tag_id),
                        "name": name if type(name) is str else lenient_str(name),
                    }
                )
    elif tags_raw:
        tags = _tags(tags_raw)
    user_raw = get("user")
    user: Mapping[str, object] = (
        cast("Mapping[str, object]", user_raw) if type(user_raw) is dict or isinstance(user_raw, Mapping) else {}
    )
    user_get = user.get
    item: dict[str, object] = {
        "id": key,
        "post_id": post_id,
        "title": text("title"),
        "url": post_url(key),
        "author": {"id": text("userId", user_get), "name": text("alias", user_get)},
        "published_at": text("addTime"),
        "updated_at": text("modTime"),
        "last_active_at": text("lastActiveTime"),
        "last_reply_at": text("lastReplyTime"),
        "reply_count": number("replyCount"),
        "view_count": number("viewCount"),
        "like_count": number("likeCount"),
        "collection_count": number("collectionCount"),
        "is_top": lenient_bool(get("isTop")),
        "is_best": lenient_bool(get("isBest")),
        "backtest": {
            "id": text("backtestId"),
            "clone_count": number("backtestCloneCount"),
            "pic_url": text("backtestPicUrl"),
        },
        "research": {
            "notebook_path": text("notebookPath"),
            "notebook_report": text("notebookReport"),
            "notebook_clone_count": number("notebookCloneCount"),
        },
        "file": {
            "key": text("fileKey"),
            "name": text("fileName"),
            "type": text("fileType"),
            "download_count": number("fileDownloadCount"),
        },
        "tags": tags,
        "content_preview": text("content"),
    }
    return Post(id=key, post_id=post_id, published_at=str(item["published_at"]), is_top=bool(item["is_top"]), item=item)


def normalize_detail(raw: Mapping[str, Any], requested: str) -> PostDetail:
    """A ``detailV2`` payload → the spec's ``post`` object (``id`` = uniqueKey)."""
    post_id = _s(raw, "postId")
    key = _s(raw, "uniqueKey") or requested
    author = _dict(raw.get("author"))
    kind = raw.get("type")
    bounty = raw.get("bounty")
    post: dict[str, object] = {
        "id": key,
        "post_id": post_id,
        "requested_id": requested,
        "title": _s(raw, "title"),
        "url": post_url(key),
        "content": _s(raw, "content"),
        "author": {
            "id": _s(author, "userId") or _s(raw, "userId"),
            "name": _s(author, "alias"),
            "head_img_key": _s(author, "headImgKey"),
            "vip_type": _s(author, "vipType"),
        },
        "published_at": _s(raw, "addTime"),
        "updated_at": _s(raw, "modTime"),
        "last_active_at": _s(raw, "lastActiveTime"),
        "last_reply_id": _s(raw, "lastReplyId"),
        "reply_count": lenient_int(raw.get("replyCount")),
        "view_count": lenient_int(raw.get("viewCount")),
        "like_count": lenient_int(raw.get("likeCount")),
        "dislike_count": lenient_int(raw.get("disLikeCount")),
        "collection_count": lenient_int(raw.get("collectionCount")),
        "is_top": lenient_bool(raw.get("isTop")),
        "is_best": lenient_bool(raw.get("isBest")),
        "is_rich": lenient_bool(raw.get("isRich")),
        "is_worth": lenient_bool(raw.get("isWorth")),
        "type": lenient_int(kind) if lenient_str(kind).strip() else None,
        "status": _s(raw, "status"),
        "ip_address": _s(raw, "ipAddress"),
        "backtest": {
            "id": _s(raw, "backtestId"),
            "name": _s(raw, "backtestName"),
            "clone_count": lenient_int(raw.get("backtestCloneCount")),
        },
        "research": _research(raw),
        "file": {
            "key": _s(raw, "fileKey"),
            "name": _s(raw, "fileName"),
            "type": _s(raw, "fileType"),
            "size": lenient_int(raw.get("fileSize")),
            "download_count": lenient_int(raw.get("fileDownloadCount")),
        },
        "tags": _tags(raw.get("tagInfo")),
        "bounty": bounty if isinstance(bounty, (dict, list)) else [],
        "curr_time": _s(raw, "currTime"),
    }
    return PostDetail(unique_key=key, post_id=post_id, backtest_id=_s(raw, "backtestId"), post=post)


def normalize_reply(raw: Mapping[str, Any]) -> dict[str, object]:
    """A ``replyList`` reply (sub-replies included) → the spec's discussion item."""
    user = _dict(raw.get("user"))
    sub = raw.get("subReply")
    if isinstance(sub, Mapping):
        raw_list = sub.get("list")
        sub_list, remaining = (raw_list if isinstance(raw_list, list) else None), lenient_int(sub.get("leaveCount"))
    else:
        sub_list, remaining = (sub if isinstance(sub, list) else None), 0
    return {
        "id": _s(raw, "replyId"),
        "post_id": _s(raw, "postId"),
        "content": _s(raw, "content"),
        "author": {
            "id": _s(user, "userId") or _s(raw, "userId"),
            "name": _s(user, "alias"),
            "head_img_key": _s(user, "headImgKey"),
            "vip_type": _s(user, "vipType"),
        },
        "published_at": _s(raw, "addTime"),
        "updated_at": _s(raw, "modTime"),
        "ip_address": _s(raw, "ipAddress"),
        "is_best": lenient_bool(raw.get("isBest")),
        "is_rich": lenient_bool(raw.get("isRich")),
        "is_owner": lenient_bool(raw.get("isOwner")),
        "is_post_user": lenient_bool(raw.get("isPostUser")),
        "backtest": {
            "id": _s(raw, "backtestId"),
            "name": _s(raw, "backtestName"),
            # float(overallReturn) or null (protocol.md §6.4): the site sends "0" for a reply without a backtest
            "overall_return": lenient_float(raw.get("overallReturn")),
        },
        "parent_reply_id": _s(raw, "pReplyId"),
        "original_reply_id": _s(raw, "oReplyId"),
        "sub_replies": [
            normalize_reply(r) for r in (sub_list if isinstance(sub_list, list) else ()) if isinstance(r, Mapping)
        ],
        "sub_reply_remaining_count": remaining,
    }


def _community_data(payload: Mapping[str, Any], *, action: str, path: str, key: str = "") -> Mapping[str, Any]:
    """``data`` of a successful community envelope; the site's refusals as clear errors."""
    if is_success(payload):
        data = payload.get("data")
        if isinstance(data, Mapping):
            return data
        raise ApiError(f"{action}失败:响应的 data 不是对象", details={"path": path, "data_type": type(data).__name__})
    code, msg = lenient_str(payload.get("code")), lenient_str(payload.get("msg"))
    details = {"path": path, "code": payload.get("code"), "status": payload.get("status"), "msg": msg}
    if key:
        details["post_id"] = key
    if code in ("400", "401") or "未授权" in msg:
        raise NotAuthenticated(f"{action}失败:聚宽要求登录({msg or code})", details=details, hint=LOGIN_HINT)
    if key and ("不存在" in msg or "删除" in msg or code in ("404", "40400")):
        raise NotFound(f"{action}失败:文章不存在或不可见({msg or code})", details=details)
    raise ApiError(f"{action}失败:{msg or 'code ' + code}", details=details)


def _is_busy(payload: Mapping[str, Any]) -> bool:
    """「系统繁忙,请稍后重试」 (code 20000): transient, worth one more try (protocol.md §1.3)."""
    return not is_success(payload) and "繁忙" in lenient_str(payload.get("msg"))


class JoinQuantCommunity:
    """Implements ``CommunityFeed`` over a ``JoinQuantSession`` (safe to share between threads).

    Every call is an idempotent GET.  On top of the session's retries (connection
    errors, 502/503/504, 429) it retries HTTP 500 and the site's 「系统繁忙」 answer.
    """

    def __init__(
        self, session: JoinQuantSession, *, transient_retries: int = 2, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.session = session
        self.transient_retries = transient_retries
        self._sleep = sleep

    def _get(self, path: str, params: Mapping[str, object], referer: str) -> Mapping[str, Any]:
        attempt = 0
        while True:
            attempt += 1
            last = attempt > self.transient_retries
            try:
                payload = self.session.get_json(path, params, referer=referer, auth="optional")
            except ApiError as exc:
                if last or exc.details.get("status") != 500:
                    raise
                self._sleep(0.2 * attempt)
                continue
            if last or not _is_busy(payload):
                return payload
            self._sleep(0.2 * attempt)

    def list_page(self, query: LatestQuery, page: int) -> PostPage:
        referer = f"/view/community/list?listType={query.list_type}&type=isNewPublish&tags={quote(query.tags)}"
        params = {
            "limit": query.page_size,
            "page": page,
            "type": "isNewPublish",
            "cate": query.cate,
            "tags": query.tags,
        }
        payload = self._get(LIST_PATH, params, referer)
        data = _community_data(payload, action="读取社区列表", path=LIST_PATH)
        raw_list = data.get("list")
        if raw_list is None:
            raw_list = []
        if not isinstance(raw_list, list):
            raise ApiError("读取社区列表失败:data.list 不是数组", details={"path": LIST_PATH, "page": page})
        total = data.get("totalCount")
        return PostPage(
            page=page,
            posts=tuple(normalize_post(raw) for raw in raw_list if isinstance(raw, Mapping)),
            total_count=lenient_int(total) if lenient_str(total).strip() else None,
            curr_time=lenient_str(data.get("currTime")),
            top_count=lenient_int(data.get("topCount")),
        )

    def post_detail(self, post_key: str) -> PostDetail:
        payload = self._get(DETAIL_PATH, {"postId": post_key}, f"/view/community/detail/{post_key}")
        data = _community_data(payload, action="读取文章详情", path=DETAIL_PATH, key=post_key)
        return normalize_detail(data, post_key)

    def reply_page(self, post_key: str, page: int, *, parent_reply_id: str = "") -> ReplyPage:
        params: dict[str, object] = {"postId": post_key, "page": page}
        if parent_reply_id:
            params["oReplyId"] = parent_reply_id
        payload = self._get(REPLY_PATH, params, f"/view/community/detail/{post_key}?page={page}")
        data = _community_data(payload, action="读取讨论区", path=REPLY_PATH, key=post_key)
        raw_replies = data.get("replyArr")
        replies = raw_replies if isinstance(raw_replies, list) else []
        bounty = data.get("bountyReply")
        bounty_list = bounty if isinstance(bounty, list) else ([bounty] if isinstance(bounty, Mapping) else [])
        total = data.get("totalCount")
        return ReplyPage(
            page=page,
            items=tuple(normalize_reply(r) for r in replies if isinstance(r, Mapping)),
            bounty_items=tuple(normalize_reply(r) for r in bounty_list if isinstance(r, Mapping) and r),
            total_count=lenient_int(total) if lenient_str(total).strip() else None,
            can_choose_best=lenient_bool(data.get("canChooseBest")),
            is_faq=lenient_bool(data.get("isFaq")),
            curr_time=lenient_str(data.get("currTime")),
        )

    def backtest_stats(self, backtest_id: str) -> Optional[Mapping[str, object]]:
        payload = self._get(STATS_PATH, {"backtestId": backtest_id}, "/view/community/list")
        if not is_success(payload):
            _community_data(payload, action="读取回测指标", path=STATS_PATH)
        data = payload.get("data")
        # Not ready or unknown id: ``data: []``; partially ready: only report_done_seconds.
        if not isinstance(data, Mapping) or not data or ("sharpe" not in data and "algorithm_return" not in data):
            return None
        return dict(data)


class JoinQuantClone:
    """Implements ``CloneGateway``: two POSTs, never retried (the second one spends credits)."""

    def __init__(self, session: JoinQuantSession) -> None:
        self.session = session

    def check(self, post_id: str, backtest_id: str, reply_id: str = "") -> CloneCheck:
        from jqcli.domain.clone import RULE_KEY, CloneCheck

        form = {"postId": post_id, "backId": backtest_id, "ruleKey": RULE_KEY, "ajax": 1}
        if reply_id:
            form["replyId"] = reply_id
        payload = self.session.post_json(CHECK_PATH, form, referer=f"/view/community/detail/{post_id}")
        data = _community_data(payload, action="克隆检查", path=CHECK_PATH, key=post_id)
        return CloneCheck(
            post_id=post_id,
            backtest_id=backtest_id,
            reply_id=reply_id,
            amount=lenient_int(data.get("amount")),
            reduce=lenient_int(data.get("reduce")),
            usable=lenient_int(data.get("usable")),
            reason=_s(data, "reason"),
            is_view=lenient_bool(data.get("isview", data.get("isView"))),
            url=_s(data, "url"),
            redirect=_s(data, "redirect"),
            secret=_s(data, "secret"),
            random=_s(data, "random"),
            echo={str(k): lenient_str(v) for k, v in data.items() if not isinstance(v, (dict, list))},
        )

    def execute(self, check: CloneCheck) -> CloneOutcome:
        from jqcli.domain.clone import RULE_KEY, CloneOutcome

        form: dict[str, object] = dict(check.echo)
        form.update({"postId": check.post_id, "backId": check.backtest_id, "ruleKey": RULE_KEY, "ajax": 1})
        if check.reply_id:
            form["replyId"] = check.reply_id
        payload = self.session.post_json(DEAL_PATH, form, referer=f"/view/community/detail/{check.post_id}")
        data = _community_data(payload, action="执行克隆", path=DEAL_PATH, key=check.post_id)
        return CloneOutcome(
            url=_s(data, "url"),
            redirect=_s(data, "redirect"),
            source_present=bool(data.get("source")),
            credits=data.get("credits"),
        )
