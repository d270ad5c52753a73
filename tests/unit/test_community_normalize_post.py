"""``normalize_post`` reads the common wire shapes inline (issue 16): the odd ones still go the lenient way."""

from __future__ import annotations

import pytest

from jqcli.adapters.joinquant.community import normalize_post
from jqcli.adapters.joinquant.wire import lenient_int, lenient_str

ODD_NUMBERS = ["12", 12, 12.7, "1,234", " 7 ", "", None, True, "０", "²", "99999999999999999999", "12.5", "-3", "x"]


@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_every_count_is_read_as_the_lenient_rule_reads_it(value) -> None:  # type: ignore[no-untyped-def]
    keys = ("replyCount", "viewCount", "likeCount", "collectionCount", "backtestCloneCount", "fileDownloadCount")
    item = normalize_post({key: value for key in keys} | {"notebookCloneCount": value}).item
    want = lenient_int(value)
    assert [item["reply_count"], item["view_count"], item["like_count"], item["collection_count"]] == [want] * 4
    assert item["backtest"]["clone_count"] == item["file"]["download_count"] == want  # type: ignore[index]
    assert item["research"]["notebook_clone_count"] == want  # type: ignore[index]


@pytest.mark.parametrize("value", ["文本", "", None, 5, 3.0, 2.5, True, False])
def test_every_text_is_read_as_the_lenient_rule_reads_it(value) -> None:  # type: ignore[no-untyped-def]
    raw = {"postId": value, "title": value, "addTime": value, "user": {"userId": value, "alias": value}}
    post = normalize_post(raw)
    want = lenient_str(value)
    assert post.post_id == post.item["title"] == post.item["published_at"] == want
    assert post.item["author"] == {"id": want, "name": want}


@pytest.mark.parametrize("user", [None, "x", 5, [], {"userId": "u"}])
def test_a_user_of_any_shape_gives_an_author_object(user) -> None:  # type: ignore[no-untyped-def]
    author = normalize_post({"user": user, "uniqueKey": "k"}).item["author"]
    assert author == {"id": "u" if isinstance(user, dict) else "", "name": ""}


def test_the_item_keeps_the_spec_key_order() -> None:
    item = normalize_post({"uniqueKey": "k", "postId": "p"}).item
    assert list(item) == [
        "id", "post_id", "title", "url", "author", "published_at", "updated_at", "last_active_at",
        "last_reply_at", "reply_count", "view_count", "like_count", "collection_count", "is_top", "is_best",
        "backtest", "research", "file", "tags", "content_preview",
    ]  # fmt: skip
    assert list(item["backtest"]) == ["id", "clone_count", "pic_url"]  # type: ignore[arg-type]


def test_tags_keep_the_lenient_rules() -> None:
    raw = {"tagInfo": [{"tagKey": 0, "tagId": "7", "name": 5}, "x", {"tagKey": "12", "name": "期货"}, {"tagId": None}]}
    assert normalize_post(raw).item["tags"] == [
        {"id": "7", "name": "5"},  # a falsy tagKey gives way to tagId, as before
        {"id": "12", "name": "期货"},
        {"id": "", "name": ""},
    ]
    assert normalize_post({"tagInfo": {"tagKey": "1"}}).item["tags"] == []
    assert normalize_post({"tagInfo": None}).item["tags"] == []
