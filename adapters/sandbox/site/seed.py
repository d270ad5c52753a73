"""The deterministic seeded data: demo accounts, their strategies and backtests, and the community.

Same seed → same names, codes, dates, counts and canonical ids.  Dates hang
off a fixed anchor (2026-10-01 10:00 Beijing time) so that lists sort the same
on every machine.  The community is bulk-inserted (``executemany``), so tens
of thousands of posts take a second or two.
"""

from __future__ import annotations

import os
import random
import sqlite3
from datetime import datetime
from typing import List, Optional, Set, Tuple

from jqcli.adapters.sandbox.site import ids
from jqcli.adapters.sandbox.site.db import Database
from jqcli.adapters.sandbox.site.kernel import DEMO_PASSWORD, DEMO_USERNAME, SandboxConfig
from jqcli.adapters.sandbox.site.seed_text import (
    ALIASES,
    DEMO_STRATEGIES,
    FOLDER_NAME,
    REPLY_LINES,
    TAGS,
    post_content,
    post_title,
    strategy_code,
)
from jqcli.adapters.sandbox.site.web import CN

ANCHOR = datetime(2026, 10, 1, 10, 0, 0, tzinfo=CN).timestamp()
DAY = 86400.0
SECOND_USERNAME, SECOND_PASSWORD = "13900000000", "jqcli-demo2"
AUTHORS = 240
CATES = (3,) * 12 + (10,) * 5 + (16,) * 3 + (13,)


# (id, user_id, folder_id, name, code, created, modified, start_date, end_date, capital, frequency)
StrategyRow = Tuple[int, int, Optional[int], str, str, float, float, str, str, str, str]
# (post_id, user_id, root offset, parent offset, content, add_time, is_best): offsets become ids on insert
ReplyRow = Tuple[int, int, Optional[int], Optional[int], str, float, int]


def ensure_seeded(db: Database, config: SandboxConfig) -> None:
    """Generate the data once per state file (safe when several processes start together)."""
    if db.meta("seeded"):
        _register_roles(db)
        return
    with db.write() as conn:
        if conn.execute("SELECT value FROM meta WHERE key='seeded'").fetchone():
            return
        rng = random.Random(config.seed)
        _accounts(conn, config.seed)
        _demo_strategies(conn, config.seed, rng)
        _community(conn, config.seed, rng, max(0, int(config.posts)))
        conn.executemany(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?,?)",
            [
                ("seeded", "1"),
                ("seed", str(config.seed)),
                ("posts", str(config.posts)),
                ("secret", os.urandom(16).hex()),
                ("bt_roles", "1"),
            ],
        )


def _register_roles(db: Database) -> None:
    """State files made before backtest roles were told apart get the canonical aliases of every role."""
    if db.meta("bt_roles"):
        return
    with db.write() as conn:
        if conn.execute("SELECT value FROM meta WHERE key='bt_roles'").fetchone():
            return
        seed = int(conn.execute("SELECT value FROM meta WHERE key='seed'").fetchone()[0])
        objs = [row[0] for row in conn.execute("SELECT id FROM backtests")]
        ids.register_backtests(conn, seed, objs)
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('bt_roles', '1')")


def _accounts(conn: sqlite3.Connection, seed: int) -> None:
    rows: List[Tuple[int, Optional[str], Optional[str], str, int, str]] = [
        (1, DEMO_USERNAME, DEMO_PASSWORD, "沙盒演示账号", 100, "VIP"),
        (2, SECOND_USERNAME, SECOND_PASSWORD, "沙盒第二账号", 5, ""),
    ]
    rows += [
        (
            3 + i,
            None,
            None,
            ALIASES[i % len(ALIASES)] + (str(i // len(ALIASES)) if i >= len(ALIASES) else ""),
            0,
            "VIP" if i % 9 == 0 else "",
        )
        for i in range(AUTHORS)
    ]
    conn.executemany(
        "INSERT INTO users(id, username, password, alias, unique_key, credits, vip_type, head_img_key)"
        " VALUES (?,?,?,?,?,?,?,?)",
        [(i, u, p, a, ids.canonical(seed, "account", i), c, v, f"head/{i % 16}.png") for i, u, p, a, c, v in rows],
    )
    ids.register_canonical(conn, seed, ids.USER, [r[0] for r in rows])


def _demo_strategies(conn: sqlite3.Connection, seed: int, rng: random.Random) -> None:
    conn.execute(
        "INSERT INTO folders(id, user_id, parent_id, name, modified) VALUES (1, 1, NULL, ?, ?)",
        (FOLDER_NAME, ANCHOR - 2 * DAY),
    )
    strategies: List[StrategyRow] = []
    backtests: List[Tuple[object, ...]] = []
    for index, (name, in_folder, code) in enumerate(DEMO_STRATEGIES, start=1):
        modified = ANCHOR - index * 1.7 * DAY - rng.randrange(3600)
        strategies.append(
            (
                index,
                1,
                1 if in_folder else None,
                name,
                code,
                modified - 30 * DAY,
                modified,
                "2024-01-01",
                "2024-06-28",
                "100000",
                "day",
            )
        )
        runs = 0 if index > 6 else (3 if index <= 3 else 1)
        for k in range(runs):
            btype = 1 if k == 2 else 0
            created = modified - (k + 1) * 3 * 3600
            backtests.append(
                (
                    1,
                    index,
                    btype,
                    name,
                    code,
                    "2024-01-02",
                    "2024-03-29" if k else "2024-01-10",
                    100000.0 * (10 if k == 1 else 1),
                    "day",
                    created,
                    1.0,
                    3.0,
                    None,
                    1,
                    0,
                )
            )
    broken = [s for s in strategies if "def initialize(context)\n" in s[4]]
    for s in broken:
        backtests.append(
            (
                1,
                s[0],
                1,
                s[3],
                s[4],
                "2024-01-02",
                "2024-01-10",
                100000.0,
                "day",
                s[6] - 600,
                1.0,
                3.0,
                "\n".join(_errors(s[4])),
                1,
                0,
            )
        )
    conn.executemany(
        "INSERT INTO strategies(id, user_id, folder_id, name, code, created, modified, start_date, end_date, capital,"
        " frequency) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        strategies,
    )
    _insert_backtests(conn, seed, backtests)
    ids.register_canonical(conn, seed, ids.STRATEGY, [s[0] for s in strategies])


def _errors(code: str) -> List[str]:
    from jqcli.adapters.sandbox.site.runs import compile_errors

    return compile_errors(code)


def _insert_backtests(conn: sqlite3.Connection, seed: int, rows: List[Tuple[object, ...]]) -> List[int]:
    first = conn.execute("SELECT COALESCE(MAX(id), 0) FROM backtests").fetchone()[0] + 1
    conn.executemany(
        "INSERT INTO backtests(id, user_id, strategy_id, type, name, code, start_date, end_date, capital, frequency,"
        " created, queue_s, run_s, compile_error, list_seen_terminal, public) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(first + i, *row) for i, row in enumerate(rows)],
    )
    new_ids = list(range(first, first + len(rows)))
    ids.register_backtests(conn, seed, new_ids)
    return new_ids


BACKTEST_EVERY = 12


def _pinned_cate(index: int, pinned: Set[int]) -> int:
    """Pinned posts live in 文章 (cate 3, the default tab, where the site shows them on top
    regardless of age) and in 公告 (13): one recent and one old post in each."""
    return 3 if sorted(pinned).index(index) % 2 == 0 else 13


def _community(conn: sqlite3.Connection, seed: int, rng: random.Random, count: int) -> None:
    conn.executemany("INSERT INTO tags(tag_key, name) VALUES (?,?)", TAGS)
    pinned = {2, 7, count // 2, count - 5} if count > 10 else {0}
    posts: List[List[object]] = []
    post_tags: List[Tuple[int, int]] = []
    replies: List[ReplyRow] = []
    backtests: List[Tuple[object, ...]] = []
    bt_owner: List[int] = []
    for i in range(count):
        pid = i + 1
        author = 1 if i == 10 else 3 + rng.randrange(AUTHORS)
        add = ANCHOR - i * 2700.0 - rng.randrange(1800)
        title, theme = post_title(rng)
        if i % 3 == 0:  # the random draws stay the same, so the rest of the seeded community does too
            start_year = 2019 + rng.randrange(5)
            code = strategy_code(rng, theme)
        if i % BACKTEST_EVERY == 0:
            # Every post's backtest runs for real when first read (about a second each), so only every
            # twelfth post carries one: a full archive of the default 1,000 posts stays well under a minute.
            backtests.append(
                (
                    author,
                    None,
                    0,
                    theme,
                    code,
                    f"{start_year}-01-02",
                    f"{start_year + 1}-06-28",
                    1000000.0,
                    "day",
                    add - 3600,
                    0.0,
                    60.0,
                    None,
                    1,
                    1,
                )
            )
            bt_owner.append(pid)
        top = 45 if i == 1 else (0 if rng.random() < 0.5 else 1 + rng.randrange(8))
        post_replies = _replies(rng, pid, author, add, top, heavy=i == 1)
        replies.extend(post_replies)
        last_reply = post_replies[-1][5] if post_replies else None
        posts.append(
            [
                pid,
                ids.canonical(seed, "uniqueKey", pid),
                author,
                title,
                post_content(rng, title, theme),
                add,
                add + rng.randrange(3) * 600,
                max(add, last_reply or add),
                last_reply,
                rng.randrange(20, 5000),
                rng.randrange(0, 200),
                rng.randrange(0, 5),
                rng.randrange(0, 300),
                1 if i in pinned else 0,
                1 if rng.random() < 0.1 else 0,
                _pinned_cate(i, pinned) if i in pinned else CATES[rng.randrange(len(CATES))],
                None,
                rng.randrange(0, 250),
                10 if rng.random() < 0.8 else 20,
                ("北京", "上海", "广东", "浙江")[i % 4],
                len(post_replies),
            ]
        )
        for tag in rng.sample(TAGS, 1 + rng.randrange(3)):
            post_tags.append((pid, tag[0]))
    bt_ids = _insert_backtests(conn, seed, backtests)
    for pid, bt in zip(bt_owner, bt_ids):
        posts[pid - 1][16] = bt
    conn.executemany(f"INSERT INTO posts VALUES ({','.join('?' * 21)})", posts)
    conn.executemany("INSERT OR IGNORE INTO post_tags(post_id, tag_key) VALUES (?,?)", post_tags)
    conn.executemany(
        "INSERT INTO replies(id, reply_key, post_id, user_id, o_reply_id, p_reply_id, content, add_time, is_best)"
        " VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (n, ids.canonical(seed, ids.REPLY, n), post, user, _abs(o, n), _abs(p, n), content, t, best)
            for n, (post, user, o, p, content, t, best) in enumerate(replies, start=1)
        ],
    )
    ids.register_canonical(conn, seed, ids.POST, range(1, count + 1))


def _abs(relative: Optional[int], own_id: int) -> Optional[int]:
    """Replies refer to their parents by a negative offset until their ids are known."""
    return None if relative is None else own_id + relative


def _replies(rng: random.Random, pid: int, author: int, add: float, top: int, *, heavy: bool) -> List[ReplyRow]:
    rows: List[ReplyRow] = []
    t = add
    for k in range(top):
        t += 600 + rng.randrange(3600)
        root_pos = len(rows)
        user = author if rng.random() < 0.15 else 3 + rng.randrange(AUTHORS)
        rows.append(
            (pid, user, None, None, REPLY_LINES[rng.randrange(len(REPLY_LINES))], t, 1 if k == 0 and heavy else 0)
        )
        subs = 5 if heavy and k < 3 else (1 + rng.randrange(6) if rng.random() < 0.2 else 0)
        for s in range(subs):
            t += 60 + rng.randrange(600)
            here = len(rows)
            parent = root_pos if s == 0 or rng.random() < 0.5 else here - 1
            rows.append(
                (
                    pid,
                    3 + rng.randrange(AUTHORS),
                    root_pos - here,
                    parent - here,
                    "回复: " + REPLY_LINES[rng.randrange(len(REPLY_LINES))],
                    t,
                    0,
                )
            )
    return rows
