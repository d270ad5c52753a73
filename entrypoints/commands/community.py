"""``jqcli community …``: latest, detail, clone-strategy, archive.

Imports stay light at module level (startup is measured): use cases and
adapters are built through ``ctx.services`` inside the handlers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Tuple

from jqcli.entrypoints.argtypes import non_negative_float, non_negative_int, positive_int
from jqcli.entrypoints.parser import add_subcommands

if TYPE_CHECKING:
    import argparse

    from jqcli.domain.community import LatestProgress, LatestQuery, PageScan, PostPage
    from jqcli.entrypoints.context import Context, Reply
    from jqcli.entrypoints.parser import SubParsers

ITEM_COLUMNS = [
    ("id", "ID"),
    ("published_at", "发布时间"),
    ("title", "标题"),
    ("author_name", "作者"),
    ("reply_count", "回复"),
    ("view_count", "浏览"),
    ("is_top", "置顶"),
]


def register(parser: argparse.ArgumentParser) -> None:
    sub = add_subcommands(parser, dest="command")

    latest = sub.add_parser(
        "latest",
        help="社区最新文章列表(可流式输出 NDJSON)",
        description="读取社区最新发帖列表(/community/post/listV2)。默认 1 页,每页 50 条。\n"
        "条目 id 为稳定的 uniqueKey(会轮换的 postId 保存在 post_id),--since-id 因此可跨请求使用。\n"
        "置顶帖总在最前:早于 --until 的置顶帖被跳过但不停止翻页,遇到更早的非置顶文章才停止。",
    )
    latest.add_argument("--page-size", type=positive_int, default=50, help="每页条数(默认 50)")
    latest.add_argument("--max-pages", type=positive_int, help="最多读取页数(默认 1 页;有 --until/--since-id 时不限)")
    latest.add_argument(
        "--until", metavar="DATE|DATETIME", help="读到该发布时间为止(YYYY-MM-DD 或 YYYY-MM-DD HH:MM:SS)"
    )
    latest.add_argument(
        "--list-type",
        type=non_negative_int,
        default=1,
        help="列表分类:1 文章(默认)、2 问答、3 公告、4 精华、5 精选、0 全部",
    )
    latest.add_argument("--tags", default="", help="标签 ID,多个用逗号分隔")
    latest.add_argument("--since-id", default="", metavar="ID", help="遇到该文章 ID(uniqueKey)后停止(不含该文章)")
    latest.add_argument("--stream", action="store_true", help="逐条输出 NDJSON 事件 post/progress/done(失败时 error)")
    latest.set_defaults(handler=latest_command)

    detail = sub.add_parser(
        "detail",
        help="文章详情:正文、策略信息、讨论区",
        description="读取文章详情(/community/post/detailV2)与讨论区(/community/post/replyList,每页 20 条)。",
    )
    detail.add_argument("post_id", help="文章 ID(uniqueKey,或 latest 输出的 post_id)")
    detail.add_argument("--reply-page", type=positive_int, default=1, help="讨论区起始页(默认 1)")
    detail.add_argument("--reply-pages", type=positive_int, default=1, help="读取讨论区页数(默认 1)")
    detail.add_argument("--all-replies", action="store_true", help="读取全部讨论区页")
    detail.add_argument("--with-backtest-stats", action="store_true", help="额外读取文章回测的收益/风险指标")
    detail.set_defaults(handler=detail_command)

    clone = sub.add_parser(
        "clone-strategy",
        help="检查(默认)或执行(--yes)克隆文章中的回测策略",
        description="默认只调用检查接口 checkBacktestView,不扣积分;传 --yes 才调用 dealCreditsHander 执行克隆。\n"
        "secret 永不输出,只返回 secret_present。",
    )
    clone.add_argument("post_id", help="文章 ID")
    clone.add_argument("--backtest-id", default=None, help="文章内回测 ID(默认取文章详情中的回测)")
    clone.add_argument("--reply-id", default="", help="克隆讨论区回复中附带的回测时,传该回复 ID")
    clone.add_argument("-y", "--yes", action="store_true", help="确认执行克隆(可能扣除积分)")
    clone.set_defaults(handler=clone_command)

    _register_archive(sub)


def _register_archive(sub: SubParsers) -> None:
    archive = sub.add_parser(
        "archive",
        help="增量归档社区帖子(列表 + 详情 + 回测指标),可断点续跑",
        description="把社区帖子归档为 canonical JSONL(每篇一行,以 uniqueKey 为键)。\n"
        "--phase sync:统一增量同步(列表、详情、回测指标合并到 --store);list/enrich/all:旧的两阶段模式。\n"
        "中断(Ctrl-C、SIGTERM、崩溃、--page-budget)后再次运行会从状态文件的游标继续补齐,不会留下空洞;\n"
        "--max-pages N 是页码上限(最多抓到第 N 页),--page-budget N 是每次运行读取新内容页数的预算;\n"
        "站点连续失败(网络错误、超时、5xx)或列表翻页失败时停止本次运行、保存进度并以 network_error 等退出;\n"
        "同一个存档同一时间只能有一个归档进程(锁文件 <存档真实路径>.lock,符号链接指向同一文件时共用)。",
    )
    archive.add_argument("--phase", choices=("sync", "list", "enrich", "all"), default="all", help="阶段(默认 all)")
    archive.add_argument("--store", help="统一归档 JSONL(只用于 --phase sync;默认 data/community_posts_archive.jsonl)")
    archive.add_argument("--state", help="状态文件(默认由输出文件名推出,如 <store>.state.json)")
    archive.add_argument(
        "--seed", action="append", default=[], metavar="PATH", help="导入旧 JSONL(可传多次,只导入一次)"
    )
    archive.add_argument("--list-out", default="data/community_posts.list.jsonl", help="list 阶段输出")
    archive.add_argument("--enriched-out", default="data/community_posts.enriched.jsonl", help="enrich 阶段输出")
    archive.add_argument("--page-size", type=positive_int, default=50, help="列表每页条数(默认 50)")
    archive.add_argument("--until", metavar="DATE|DATETIME", help="抓到该发布时间以前停止")
    archive.add_argument("--max-pages", type=positive_int, metavar="N", help="最多抓到第 N 页(页码上限,不读更后面的页)")
    archive.add_argument(
        "--page-budget",
        type=positive_int,
        metavar="N",
        help="本次运行最多读取 N 个带来新帖子的列表页(重读已归档范围的页不计),下次运行接着往下补",
    )
    archive.add_argument("--page-sleep", type=non_negative_float, default=0.0, metavar="SECONDS", help="列表翻页间隔")
    archive.add_argument("--backtest-workers", type=positive_int, default=4, help="回测指标并发数(默认 4)")
    archive.add_argument("--detail-workers", type=positive_int, default=4, help="文章详情并发数(默认 4)")
    archive.add_argument("--skip-detail", action="store_true", help="不补文章详情")
    archive.add_argument("--skip-backtest", action="store_true", help="不补回测指标")
    archive.add_argument("--max-detail", type=non_negative_int, help="本次最多补齐多少条详情")
    archive.add_argument("--max-backtest", type=non_negative_int, help="本次最多补齐多少条回测指标")
    archive.add_argument("--retries", type=non_negative_int, default=2, help="详情/指标请求失败的重试次数(默认 2)")
    archive.add_argument("--retry-sleep", type=non_negative_float, default=1.0, help="重试间隔基数秒数(默认 1)")
    archive.add_argument("--list-type", type=non_negative_int, default=1, help="列表分类(默认 1 文章;0 全部)")
    archive.add_argument("--force", action="store_true", help="删除本阶段的输出和状态后重新开始")
    resume = archive.add_mutually_exclusive_group()
    resume.add_argument("--resume", dest="resume", action="store_true", default=True, help="从状态文件续跑(默认)")
    resume.add_argument("--no-resume", dest="resume", action="store_false", help="忽略已保存的游标,从第 1 页重新走一遍")
    archive.set_defaults(handler=archive_command)


# -- latest --------------------------------------------------------------------------------------


def _latest_query(args: argparse.Namespace) -> LatestQuery:
    from jqcli.domain.community import LatestQuery
    from jqcli.domain.timeparse import parse_until

    return LatestQuery(
        page_size=args.page_size,
        max_pages=args.max_pages,
        until=parse_until(args.until),
        until_raw=args.until or None,
        since_id=(args.since_id or "").strip(),
        list_type=args.list_type,
        tags=(args.tags or "").replace(" ", ""),
    )


def latest_command(ctx: Context) -> Reply:
    from jqcli.domain.community import LatestProgress
    from jqcli.entrypoints.presenters_community import latest_summary

    query = _latest_query(ctx.args)
    progress = LatestProgress()
    pages = ctx.services.list_latest_posts().execute(query, progress)
    if ctx.args.stream:
        return _stream_latest(ctx, query, progress, pages)
    items: List[Dict[str, Any]] = []
    try:
        for _page, scan in pages:
            items.extend(dict(post.item) for post in scan.emit)
            ctx.progress(f"已读 {progress.pages_read} 页,{progress.items_seen} 条")
    finally:
        ctx.end_progress()
    data = {"items": items, **latest_summary(progress, query)}
    from jqcli.entrypoints.render import Result, Table

    rows = [dict(item, author_name=item["author"]["name"]) for item in items]
    footer = f"共 {len(items)} 条,读取 {progress.pages_read} 页"
    return Result(data, table=Table(ITEM_COLUMNS, rows, footer=footer))


def _stream_latest(
    ctx: Context, query: LatestQuery, progress: LatestProgress, pages: Iterator[Tuple[PostPage, PageScan]]
) -> Reply:
    from jqcli.domain.errors import JqcliError
    from jqcli.entrypoints.presenters_community import latest_summary

    try:
        for page, scan in pages:
            for post in scan.emit:
                ctx.emit_ndjson({"type": "post", "page": page.page, "item": dict(post.item)})
            ctx.emit_ndjson(
                {
                    "type": "progress",
                    "page": page.page,
                    "page_items": len(scan.emit),
                    "items_seen": progress.items_seen,
                    "total_count": progress.total_count,
                    "curr_time": progress.curr_time,
                }
            )
    except JqcliError as exc:
        event: Dict[str, Any] = {
            "type": "error",
            "error": {"code": exc.code, "message": exc.message, "details": exc.details},
        }
        event.update(
            latest_summary(progress, query), items_seen=progress.items_seen, failed_page=progress.pages_read + 1
        )
        ctx.emit_ndjson(event)
        raise
    ctx.emit_ndjson(
        {"type": "done", **latest_summary(progress, query), "start_page": 1, "items_seen": progress.items_seen}
    )
    return None


# -- detail and clone ----------------------------------------------------------------------------


def detail_command(ctx: Context) -> Reply:
    from jqcli.application.community import DetailRequest
    from jqcli.domain.errors import UsageError
    from jqcli.entrypoints.presenters_community import post_reading
    from jqcli.entrypoints.render import Result, Table

    args = ctx.args
    key = args.post_id.strip()
    if not key:
        raise UsageError("post_id 不能为空")
    request = DetailRequest(
        key,
        reply_page=args.reply_page,
        reply_pages=None if args.all_replies else args.reply_pages,
        with_backtest_stats=args.with_backtest_stats,
    )
    data = post_reading(ctx.services.read_post_detail().execute(request))
    post = data["post"]
    rows = [
        dict(r, author_name=r["author"]["name"], subs=len(r["sub_replies"]) + r["sub_reply_remaining_count"])
        for r in data["discussion"]["items"]
    ]
    columns = [("published_at", "时间"), ("author_name", "作者"), ("content", "回复"), ("subs", "子回复")]
    footer = f"共 {len(rows)} 条回复(本页)  回测 {post['backtest']['id'] or '-'}"
    return Result(data, table=Table(columns, rows, footer=footer, preamble=post_preamble(post)))


def post_preamble(post: Dict[str, Any]) -> str:
    """A post for people: title, author and counts, then its body as plain text."""
    from jqcli.entrypoints.textbody import body_text

    author = post.get("author") or {}
    counts = (
        f"回复 {post.get('reply_count', 0)}  浏览 {post.get('view_count', 0)}  "
        f"点赞 {post.get('like_count', 0)}  收藏 {post.get('collection_count', 0)}"
    )
    head = [
        str(post.get("title") or ""),
        f"{author.get('name') or '-'}  {post.get('published_at') or ''}  {counts}",
        str(post.get("url") or ""),
        "",
    ]
    body = body_text(str(post.get("content") or ""))
    return "\n".join([*head, body or "(正文为空)", "", "回复:"])


def clone_command(ctx: Context) -> Reply:
    from jqcli.domain.errors import UsageError
    from jqcli.entrypoints.presenters_community import clone_check, clone_result

    args = ctx.args
    if not args.post_id.strip():
        raise UsageError("post_id 不能为空")
    if args.backtest_id is not None and not args.backtest_id.strip():
        # `--backtest-id "$ID"` with ID unset must not fall back to the post's own backtest (credits with --yes)
        raise UsageError(
            "--backtest-id 不能为空", details={"option": "--backtest-id"}, hint="要克隆文章自带的回测时不传它"
        )
    check = ctx.services.check_clone().execute(
        args.post_id.strip(), backtest_id=(args.backtest_id or "").strip(), reply_id=args.reply_id.strip()
    )
    if not args.yes:
        return clone_check(check)  # check only: nothing spent, never executes without --yes
    return clone_result(ctx.services.clone_strategy().execute(check, confirmed=True))


def archive_command(ctx: Context) -> Reply:
    from jqcli.entrypoints.commands.community_archive import run_archive

    return run_archive(ctx)
