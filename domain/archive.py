"""The community archive's record rules (pure): one canonical record per post.

A record is a plain JSON-able dict keyed by ``id`` (the stable ``uniqueKey``).
It is assembled from three sources, each stamped with when it was fetched:
the list item (``list_fetched_at``), the detail (``detail_fetched_at``) and the
backtest stats (``stats_fetched_at``).  ``merge`` never lets older data
overwrite fresher data: a field is replaced only by a fragment at least as
fresh as every source that could have written it, and a missing value never
erases a present one.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Iterable, Optional, Set, Tuple

LIST = "list"
DETAIL = "detail"
STATS = "stats"
FETCHED_AT = {LIST: "list_fetched_at", DETAIL: "detail_fetched_at", STATS: "stats_fetched_at"}

# Which sources may write each field ("a.b" = key b of the nested object a).
LIST_ONLY = ("post_id", "url", "last_reply_at", "content_preview", "backtest.pic_url")
DETAIL_ONLY = (
    "internal_post_id",
    "content",
    "last_reply_id",
    "dislike_count",
    "is_rich",
    "is_worth",
    "type",
    "status",
    "ip_address",
    "bounty",
    "backtest.name",
    "file.size",
)
SHARED = (
    "title",
    "author.id",
    "author.name",
    "author.head_img_key",
    "author.vip_type",
    "published_at",
    "updated_at",
    "last_active_at",
    "reply_count",
    "view_count",
    "like_count",
    "collection_count",
    "is_top",
    "is_best",
    "tags",
    "backtest.id",
    "backtest.clone_count",
    "research.notebook_path",
    "research.notebook_report",
    "research.notebook_clone_count",
    "file.key",
    "file.name",
    "file.type",
    "file.download_count",
)
STATS_KEYS = (
    "trading_days",
    "algorithm_return",
    "benchmark_return",
    "annual_algo_return",
    "annual_bm_return",
    "max_drawdown",
    "max_drawdown_period",
    "sharpe",
    "sortino",
    "information",
    "alpha",
    "beta",
    "algorithm_volatility",
    "benchmark_volatility",
    "win_ratio",
    "profit_loss_ratio",
    "turnover_rate",
)
WRITERS: Mapping[str, Tuple[str, ...]] = {
    **{path: (LIST,) for path in LIST_ONLY},
    **{path: (DETAIL,) for path in DETAIL_ONLY},
    **{path: (LIST, DETAIL) for path in SHARED},
    "backtest.stats": (STATS,),
}


# Each writable path split once ("a.b" → ("a", "b")), and the paths each source writes, in table order.
_PARTS: Mapping[str, Tuple[str, str]] = {path: (path.partition(".")[0], path.partition(".")[2]) for path in WRITERS}
_WRITTEN_BY: Mapping[str, Tuple[Tuple[str, str, str], ...]] = {
    source: tuple((path, *_PARTS[path]) for path, writers in WRITERS.items() if source in writers)
    for source in FETCHED_AT
}


def _is_mapping(value: Any) -> bool:
    """``isinstance(value, Mapping)`` with the common answers (a dict, None) found without the abc check."""
    if value is None:
        return False
    return type(value) is dict or isinstance(value, Mapping)


def _get(record: Mapping[str, Any], path: str) -> Any:
    head, tail = _PARTS.get(path) or (path.partition(".")[0], path.partition(".")[2])
    value = record.get(head)
    if not tail:
        return value
    if value is None:
        return None
    return value.get(tail) if type(value) is dict or isinstance(value, Mapping) else None


def _set(record: dict[str, Any], path: str, value: Any) -> None:
    head, tail = _PARTS.get(path) or (path.partition(".")[0], path.partition(".")[2])
    if not tail:
        record[head] = value
        return
    inner = record.get(head)
    inner = dict(inner) if isinstance(inner, Mapping) else {}
    inner[tail] = value
    record[head] = inner


def fragment(source: str, fetched_at: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``values`` that ``source`` may write, stamped with ``fetched_at``."""
    out: dict[str, Any] = {"id": values.get("id"), FETCHED_AT[source]: fetched_at}
    _copy_paths(values, out, _WRITTEN_BY[source])
    return out


def _copy_paths(source: Mapping[str, Any], out: dict[str, Any], paths: Iterable[Tuple[str, str, str]]) -> None:
    """Copy every non-None value at ``paths`` from ``source`` into ``out`` (nested objects rebuilt, as ``_set``)."""
    fresh: Optional[Set[str]] = None  # nested objects this call made: filled in place, copied only once
    get = source.get
    for _, head, tail in paths:
        value = get(head)
        if value is None:
            continue
        if not tail:
            out[head] = value
            continue
        if type(value) is not dict and not isinstance(value, Mapping):
            continue
        value = value.get(tail)
        if value is None:
            continue
        if fresh is None or head not in fresh:
            inner = out.get(head)
            out[head] = dict(inner) if inner is not None and (type(inner) is dict or isinstance(inner, Mapping)) else {}
            if fresh is None:
                fresh = {head}
            else:
                fresh.add(head)
        out[head][tail] = value


def list_fragment(item: Mapping[str, Any], fetched_at: str) -> dict[str, Any]:
    """A ``community latest`` item as an archive fragment."""
    return fragment(LIST, fetched_at, item)


def detail_fragment(key: str, post: Mapping[str, Any], fetched_at: str) -> dict[str, Any]:
    """A ``community detail`` ``post`` object as an archive fragment (detail's fresh alias → internal_post_id)."""
    values = dict(post)
    values["id"] = key
    values["internal_post_id"] = post.get("post_id") or post.get("id")
    return fragment(DETAIL, fetched_at, values)


def stats_fragment(key: str, stats: Mapping[str, Any], fetched_at: str) -> dict[str, Any]:
    """Backtest stats restricted to the archive's core metrics."""
    core = {name: stats.get(name) for name in STATS_KEYS if name in stats}
    return {"id": key, FETCHED_AT[STATS]: fetched_at, "backtest": {"stats": core}}


def _sources_of(record: Mapping[str, Any]) -> dict[str, str]:
    return {source: str(record.get(key) or "") for source, key in FETCHED_AT.items()}


def merge(old: Optional[Mapping[str, Any]], new: Mapping[str, Any]) -> dict[str, Any]:
    """Merge a fragment or a whole record into ``old``; fresher data always wins.

    ``new`` may carry several sources (a seeded record): each field is taken from
    ``new`` only if, for the source that wrote it there, ``new`` is at least as
    fresh as every source in ``old`` that may write the same field.
    """
    if not old:
        return _merge_into_nothing(new)
    return _merge_general(old, new)


_ALL_PATHS: Tuple[Tuple[str, str, str], ...] = tuple((path, *_PARTS[path]) for path in WRITERS)


def _merge_into_nothing(new: Mapping[str, Any]) -> dict[str, Any]:
    """``merge(None, new)`` without the freshness comparisons, which nothing can lose against.

    The fast path of a first sync, where every list post is new (a property test holds it equal to the
    general rule).
    """
    result: dict[str, Any] = {}
    _copy_paths(new, result, _ALL_PATHS)
    for key in FETCHED_AT.values():
        stamp = new.get(key)
        if stamp:
            result[key] = str(stamp)
    _merge_errors(result, new)
    _merge_extras(result, new)
    result["id"] = new.get("id") or result.get("id")
    return _ordered(result)


def _merge_general(old: Optional[Mapping[str, Any]], new: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = dict(old or {})
    old_at, new_at = _sources_of(old or {}), _sources_of(new)
    for path, writers in WRITERS.items():
        value = _get(new, path)
        if value is None:
            continue
        fresh = max((new_at[s] for s in writers if new_at[s]), default="")
        if not fresh and _get(result, path) is not None:
            continue  # an unstamped value only fills gaps
        if all(fresh >= old_at[s] for s in writers):
            _set(result, path, value)
    for source, key in FETCHED_AT.items():
        if new_at[source] > old_at[source]:
            result[key] = new_at[source]
    _merge_errors(result, new)
    _merge_extras(result, new)
    result["id"] = new.get("id") or result.get("id")
    return _ordered(result)


FIELD_ORDER = (
    "id",
    "post_id",
    "internal_post_id",
    "title",
    "url",
    "author",
    "published_at",
    "updated_at",
    "last_active_at",
    "last_reply_at",
    "last_reply_id",
)


def _ordered(record: dict[str, Any]) -> dict[str, Any]:
    """``id`` and the basic fields first, so that a JSONL line reads naturally."""
    head = {key: record[key] for key in FIELD_ORDER if key in record}
    for key, value in record.items():
        if key not in head:
            head[key] = value
    return head


def _merge_errors(result: dict[str, Any], new: Mapping[str, Any]) -> None:
    if result.get("detail_fetched_at"):
        result.pop("detail_error", None)
    elif _is_mapping(new.get("detail_error")):
        result["detail_error"] = dict(new["detail_error"])
    if has_stats(result):
        result.pop("stats_error", None)
    elif _is_mapping(new.get("stats_error")):
        result["stats_error"] = dict(new["stats_error"])


def _merge_extras(result: dict[str, Any], new: Mapping[str, Any]) -> None:
    known = result.get("legacy_ids")
    legacy = list(known) if isinstance(known, list) else []
    incoming = new.get("legacy_ids")
    for legacy_id in incoming if isinstance(incoming, list) else ():
        if legacy_id not in legacy and legacy_id != result.get("id"):
            legacy.append(legacy_id)
    if legacy:
        result["legacy_ids"] = legacy


def failure(
    key: str, source: str, *, message: str, code: str, at: str, previous: Optional[Mapping[str, Any]]
) -> dict[str, Any]:
    """A ``detail_error``/``stats_error`` fragment: kept until a fetch succeeds, never "done"."""
    attempts = 1
    earlier = previous.get(f"{source}_error") if previous else None
    if isinstance(earlier, Mapping) and _is_number(earlier.get("attempts")):
        attempts += int(earlier["attempts"])
    return {"id": key, f"{source}_error": {"code": code, "message": message, "attempts": attempts, "at": at}}


# Fields that change all the time on the live site (views, likes, replies): rewriting a
# stored post just for them is deferred until its list data is a day old, so that a
# no-op sync writes nothing and the store stays one line per post without rewrites.
VOLATILE = (
    "reply_count",
    "view_count",
    "like_count",
    "collection_count",
    "last_active_at",
    "last_reply_at",
    "backtest.clone_count",
    "research.notebook_clone_count",
    "file.download_count",
)
# Aliases the site re-mints on every response: only their presence is meaningful.
ROTATING = ("post_id", "internal_post_id", "last_reply_id", "author.id", "backtest.id")
REFRESH_AFTER_SECONDS = 86400


def _stable_view(record: Mapping[str, Any]) -> dict[str, Any]:
    view = {k: v for k, v in record.items() if k not in FETCHED_AT.values()}
    for path in VOLATILE + ROTATING:
        head, _, tail = path.partition(".")
        keep = path in ROTATING
        if not tail:
            if head in view:
                view[head] = bool(view[head]) if keep else None
        elif isinstance(view.get(head), Mapping):
            inner = dict(view[head])
            if tail in inner:
                inner[tail] = bool(inner[tail]) if keep else None
            view[head] = inner
    return view


def worth_writing(old: Mapping[str, Any], merged: Mapping[str, Any], now: str) -> bool:
    """Whether a list refresh of a stored post should be written (see ``VOLATILE``)."""
    if _stable_view(old) != _stable_view(merged):
        return True
    if {k: v for k, v in old.items() if k not in FETCHED_AT.values()} == {
        k: v for k, v in merged.items() if k not in FETCHED_AT.values()
    }:
        return False
    return _age_seconds(str(old.get(FETCHED_AT[LIST]) or ""), now) >= REFRESH_AFTER_SECONDS


def _age_seconds(then: str, now: str) -> float:
    try:
        start = datetime.datetime.strptime(then, "%Y-%m-%d %H:%M:%S")
        end = datetime.datetime.strptime(now, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return float("inf")
    return (end - start).total_seconds()


# --------------------------------------------------------------------------------------------
# What a record still needs
# --------------------------------------------------------------------------------------------

NEEDS_DETAIL = 1
NEEDS_STATS = 2


def backtest_id(record: Mapping[str, Any]) -> str:
    value = _get(record, "backtest.id")
    return value if isinstance(value, str) else ""


def has_stats(record: Mapping[str, Any]) -> bool:
    stats = _get(record, "backtest.stats")
    return _is_mapping(stats) and bool(stats)


def needs(record: Mapping[str, Any]) -> int:
    """Bit flags: detail not fetched yet; backtest stats missing (failures stay "needed")."""
    flags = 0
    if not record.get("detail_fetched_at"):
        flags |= NEEDS_DETAIL
    if backtest_id(record) and not has_stats(record):
        flags |= NEEDS_STATS
    return flags


def natural_key(record: Mapping[str, Any]) -> str:
    """Publication time + author + title: matches a post across id schemes ("" if unknown)."""
    published = str(record.get("published_at") or "")
    title = str(record.get("title") or "")
    author = _get(record, "author.name")
    if not published or not title:
        return ""
    return "\x1f".join((published, str(author or ""), title))


def is_legacy(record: Mapping[str, Any]) -> bool:
    """A record written by the old script: its ``id`` is a rotating postId, not a uniqueKey."""
    return "post_id" not in record and "unique_key" not in record


def seed_record(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A seeded line as a record; old enriched files already use the canonical field names."""
    record = dict(raw)
    if raw.get("unique_key"):
        record["id"] = raw["unique_key"]
    stats = _get(raw, "backtest.stats")
    if isinstance(stats, Mapping) and stats and not record.get("stats_fetched_at"):
        record["stats_fetched_at"] = str(record.get("detail_fetched_at") or record.get("list_fetched_at") or "")
    return record


# --------------------------------------------------------------------------------------------
# Reading stored lines leniently
# --------------------------------------------------------------------------------------------

MAPPING_FIELDS = ("author", "backtest", "research", "file", "detail_error", "stats_error")
TEXT_FIELDS = ("title", "published_at", "updated_at", "last_active_at", "last_reply_at", *FETCHED_AT.values())


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def clean_record(raw: Mapping[str, Any]) -> Tuple[dict[str, Any], Tuple[str, ...]]:
    """A stored or seeded line with wrongly typed fields repaired: the record, and the fields fixed.

    A field of the wrong type (``"legacy_ids": 5``, ``"author": "x"``, ``"published_at": []``)
    is coerced when the meaning is clear (a number as text, ids as strings) and dropped
    otherwise, so that one hand-edited line never makes every later sync fail.
    """
    record = dict(raw)
    fixed: list[str] = []
    if _is_number(record.get("id")):
        record["id"] = str(record["id"])
    ids = record.get("legacy_ids")
    if "legacy_ids" in record and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        kept = [str(i) for i in ids if isinstance(i, str) or _is_number(i)] if isinstance(ids, list) else []
        if kept:
            record["legacy_ids"] = kept
        else:
            del record["legacy_ids"]
        fixed.append("legacy_ids")
    for key in MAPPING_FIELDS:
        if record.get(key) is not None and not isinstance(record[key], Mapping):
            del record[key]
            fixed.append(key)
    for key in TEXT_FIELDS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            if _is_number(value):
                record[key] = str(value)
            else:
                del record[key]
            fixed.append(key)
    if "tags" in record and record["tags"] is not None and not isinstance(record["tags"], list):
        del record["tags"]
        fixed.append("tags")
    backtest = record.get("backtest")
    if isinstance(backtest, Mapping):
        inner = dict(backtest)
        if inner.get("stats") is not None and not isinstance(inner["stats"], Mapping):
            del inner["stats"]
            fixed.append("backtest.stats")
        if inner.get("id") is not None and not isinstance(inner["id"], str):
            inner["id"] = str(inner["id"]) if _is_number(inner["id"]) else ""
            fixed.append("backtest.id")
        record["backtest"] = inner
    for key in ("detail_error", "stats_error"):
        error = record.get(key)
        if isinstance(error, Mapping) and "attempts" in error and not _is_number(error["attempts"]):
            record[key] = dict(error, attempts=0)
            fixed.append(f"{key}.attempts")
    return record, tuple(fixed)


def summarize(records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Counts for tests and reports: posts, with detail, with stats."""
    total = detail = stats = 0
    for record in records:
        total += 1
        detail += 0 if needs(record) & NEEDS_DETAIL else 1
        stats += 1 if has_stats(record) else 0
    return {"posts": total, "with_detail": detail, "with_stats": stats}
