"""Community listV2 / detailV2 / replyList and cloning (protocol.md §2.17–2.21, Appendix A.1–A.4)."""

from __future__ import annotations

import re

from tests.sandbox.conftest import XHR, Client

HEX32 = re.compile(r"[0-9a-f]{32}")
LIST_KEYS = {
    "postId", "uniqueKey", "title", "content", "addTime", "modTime", "lastActiveTime", "lastReplyTime", "replyCount",
    "viewCount", "likeCount", "collectionCount", "isTop", "isBest", "type", "backtestId", "backtestCloneCount",
    "backtestPicUrl", "notebookPath", "notebookReport", "notebookCloneCount", "fileKey", "fileName", "fileType",
    "fileDownloadCount", "tagInfo", "user",
}  # fmt: skip
DETAIL_KEYS = {
    "postId", "uniqueKey", "title", "content", "author", "userId", "addTime", "modTime", "lastActiveTime",
    "lastReplyId", "replyCount", "viewCount", "likeCount", "disLikeCount", "collectionCount", "isTop", "isBest",
    "isRich", "isWorth", "type", "status", "ipAddress", "backtestId", "backtestName", "backtestCloneCount",
    "notebookPath", "notebookReport", "notebookCloneCount", "fileKey", "fileName", "fileType", "fileSize",
    "fileDownloadCount", "tagInfo", "bounty", "currTime",
}  # fmt: skip


def _list(c: Client, query: str = "") -> dict:
    resp = c.get(f"/community/post/listV2?limit=50&page=1&type=isNewPublish&cate=0&tags={query}", headers=XHR)
    assert resp.json["code"] == "00000" and resp.json["status"] == "0"
    return resp.json["data"]


def test_list_envelope_types_and_pinned_posts_first(anon) -> None:
    data = _list(anon)
    assert isinstance(data["totalCount"], str) and data["totalCount"] == "120"
    assert data["currPage"] == 1 and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", data["currTime"])
    posts = data["list"]
    assert len(posts) == 50 and set(posts[0]) == LIST_KEYS
    pinned = [p["isTop"] for p in posts]
    assert data["topCount"] == 4 and pinned[:4] == ["1"] * 4 and set(pinned[4:]) == {"0"}
    rest = [p["addTime"] for p in posts[4:]]
    assert rest == sorted(rest, reverse=True)
    tops = sorted(p["addTime"] for p in posts[:4])
    assert tops[-1] > rest[2] and tops[0] < rest[-1], "pinned posts both recent and older than the whole page"
    for post in posts:
        for key in ("replyCount", "viewCount", "likeCount", "collectionCount", "backtestCloneCount", "type"):
            assert isinstance(post[key], str) and post[key].isdigit(), key
        assert HEX32.fullmatch(post["postId"]) and HEX32.fullmatch(post["uniqueKey"])
        assert post["backtestId"] == "" or HEX32.fullmatch(post["backtestId"])
        assert all(set(t) == {"tagKey", "name"} and t["tagKey"].isdigit() for t in post["tagInfo"])
        assert set(post["user"]) == {"userId", "alias"}


def test_post_ids_rotate_while_unique_keys_stay(anon) -> None:
    first, second = _list(anon)["list"], _list(anon)["list"]
    assert [p["uniqueKey"] for p in first] == [p["uniqueKey"] for p in second]
    assert all(a["postId"] != b["postId"] for a, b in zip(first, second))
    assert all(a["user"]["userId"] != b["user"]["userId"] for a, b in zip(first, second))


def test_anonymous_list_stops_at_page_ten_but_logged_in_goes_deeper(anon, client) -> None:
    assert anon.get("/community/post/listV2?limit=5&page=10").json["code"] == "00000"
    assert anon.get("/community/post/listV2?limit=5&page=11").json == {"code": "400", "msg": "未授权"}
    deep = client.get("/community/post/listV2?limit=5&page=11").json
    assert deep["code"] == "00000" and len(deep["data"]["list"]) == 5


def test_cate_and_tags_filter_the_list(anon) -> None:
    faq = anon.get("/community/post/listV2?limit=200&cate=10").json["data"]
    assert int(faq["totalCount"]) > 0 and int(faq["totalCount"]) < 120
    tagged = anon.get("/community/post/listV2?limit=200&tags=1395").json["data"]["list"]
    assert tagged and all(any(t["tagKey"] == "1395" for t in p["tagInfo"]) for p in tagged)


def test_detail_accepts_old_aliases_and_unique_key_and_answers_a_new_post_id(anon) -> None:
    old = _list(anon)["list"][5]
    _list(anon)
    for requested in (old["postId"], old["uniqueKey"]):
        data = anon.get(f"/community/post/detailV2?postId={requested}", headers=XHR).json["data"]
        assert set(data) >= DETAIL_KEYS and "user" not in data  # detail uses author, list uses user
        assert data["uniqueKey"] == old["uniqueKey"] and data["postId"] != requested and HEX32.fullmatch(data["postId"])
        assert set(data["author"]) == {"userId", "alias", "headImgKey", "vipType"}
        assert data["author"]["alias"] == old["user"]["alias"] and len(data["content"]) >= len(old["content"])
    missing = anon.get("/community/post/detailV2?postId=" + "0" * 32).json
    assert missing["code"] != "00000"


def _heavy_post(c: Client) -> dict:
    return max(_list(c)["list"], key=lambda p: int(p["replyCount"]))


def test_replies_come_20_a_page_with_sub_replies_and_leave_counts(anon) -> None:
    post = _heavy_post(anon)
    first = anon.get(f"/community/post/replyList?postId={post['postId']}&page=1").json["data"]
    assert first["totalCount"] == "45" and len(first["replyArr"]) == 20
    assert isinstance(first["canChooseBest"], bool) and first["isFaq"] in (True, False)
    reply = first["replyArr"][0]
    assert set(reply["subReply"]) == {"list", "leaveCount"} and reply["subReply"]["leaveCount"] == "3"
    assert len(reply["subReply"]["list"]) == 2 and reply["subReply"]["list"][0]["oReplyId"] == reply["replyId"]
    assert isinstance(reply["isOwner"], bool) and isinstance(reply["isPostUser"], bool)
    assert set(reply["user"]) == {"userId", "alias", "headImgKey", "vipType"}
    third = anon.get(f"/community/post/replyList?postId={post['uniqueKey']}&page=3").json["data"]["replyArr"]
    assert len(third) == 5
    wide = anon.get(f"/community/post/replyList?postId={post['uniqueKey']}&page=1&limit=50").json["data"]
    assert len(wide["replyArr"]) == 45
    subs = anon.get(f"/community/post/replyList?postId={post['postId']}&page=1&oReplyId={reply['replyId']}").json
    assert subs["data"]["totalCount"] == "5" and len(subs["data"]["replyArr"]) == 5
    assert {s["oReplyId"] for s in subs["data"]["replyArr"]} == {reply["replyId"]}


def test_community_backtest_stats_work_without_login(anon) -> None:
    post = next(p for p in _list(anon)["list"] if p["backtestId"])
    stats = anon.get(f"/algorithm/backtest/stats?backtestId={post['backtestId']}").json["data"]
    assert isinstance(stats, dict) and "sharpe" in stats and "annual_algo_return" in stats


def test_clone_checks_credits_charges_once_and_adds_the_strategy(client) -> None:
    post = next(p for p in _list(client)["list"] if p["backtestId"] and p["user"]["alias"] != "沙盒演示账号")
    form = {"postId": post["postId"], "backId": post["backtestId"], "ruleKey": "clone_algorithm"}
    check = client.post("/community/post/checkBacktestView", form, headers=XHR).json["data"]
    assert check["amount"] == 100 and check["reduce"] in (10, 20) and check["reason"] == "more" and check["isview"] == 1
    assert check["usable"] == 100 // check["reduce"] and check["secret"] and isinstance(check["random"], int)
    bad = client.post("/community/post/dealCreditsHander", {**form, **check, "secret": "0" * 40}, headers=XHR)
    assert bad.json["code"] != "00000"
    deal = client.post("/community/post/dealCreditsHander", {**form, **check}, headers=XHR).json
    assert deal["code"] == "00000"
    url = deal["data"]["url"]
    edit_id = re.match(r"/algorithm/index/edit\?algorithmId=([0-9a-f]{32})", url).group(1)
    clone = client.editor_form(edit_id)
    source = client.get(f"/algorithm/backtest/source?backtestId={post['backtestId']}").json["data"]["source"]
    assert clone["algorithm[code]"] == source.strip()
    assert client.strategy_rows()[1].find("a", cls="file_name").text == clone["algorithm[name]"]
    again = client.post("/community/post/checkBacktestView", form, headers=XHR).json["data"]
    assert again["amount"] == 100 - check["reduce"] and again["reduce"] == 0
    client.post("/community/post/dealCreditsHander", {**form, **again}, headers=XHR)
    assert client.post("/community/post/checkBacktestView", form, headers=XHR).json["data"]["amount"] == again["amount"]


def test_clone_is_denied_when_credits_are_short(app) -> None:
    poor = Client(app)
    poor.login("13900000000", "jqcli-demo2")  # 5 credits
    post = next(p for p in _list(poor)["list"] if p["backtestId"])
    form = {"postId": post["postId"], "backId": post["backtestId"], "ruleKey": "clone_algorithm"}
    check = poor.post("/community/post/checkBacktestView", form, headers=XHR).json["data"]
    assert check["reason"] == "deny" and check["amount"] == 5
    assert poor.post("/community/post/dealCreditsHander", {**form, **check}, headers=XHR).json["code"] != "00000"
