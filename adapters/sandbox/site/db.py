"""The sandbox's state: one SQLite file, connections from a small bounded pool.

A thread takes a connection on first use and hands it back with ``release()``
at the end of each request (``SandboxApp.__call__`` does it); at most
``POOL_IDLE`` idle connections are kept, the others are closed.  So a server
whose threads come and go (one per client connection) holds a bounded number
of file descriptors however many connections it has served.  WAL mode and
a busy timeout let many threads and processes share the file;
writes run in short ``BEGIN IMMEDIATE`` transactions so that two builds can
never both see "one running backtest" and both start.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Tuple

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS users(
    id INTEGER PRIMARY KEY, username TEXT UNIQUE, password TEXT, alias TEXT, unique_key TEXT,
    vip_type TEXT DEFAULT '', head_img_key TEXT DEFAULT '', credits INTEGER DEFAULT 0,
    free_day TEXT DEFAULT '', free_used REAL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions(
    sid TEXT PRIMARY KEY, token TEXT, user_id INTEGER, page_token TEXT, created REAL, expires REAL);
CREATE INDEX IF NOT EXISTS sessions_token ON sessions(token);
CREATE TABLE IF NOT EXISTS login_failures(username TEXT PRIMARY KEY, count INTEGER, last REAL);
CREATE TABLE IF NOT EXISTS aliases(alias TEXT PRIMARY KEY, kind TEXT, obj INTEGER) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS folders(
    id INTEGER PRIMARY KEY, user_id INTEGER, parent_id INTEGER, name TEXT, modified REAL);
CREATE TABLE IF NOT EXISTS strategies(
    id INTEGER PRIMARY KEY, user_id INTEGER, folder_id INTEGER, name TEXT, code TEXT,
    created REAL, modified REAL, compile_count INTEGER DEFAULT 0, start_date TEXT, end_date TEXT,
    capital TEXT, frequency TEXT, deleted INTEGER DEFAULT 0);
CREATE INDEX IF NOT EXISTS strategies_list ON strategies(user_id, folder_id, deleted, modified);
CREATE TABLE IF NOT EXISTS backtests(
    id INTEGER PRIMARY KEY, user_id INTEGER, strategy_id INTEGER, type INTEGER, name TEXT, code TEXT,
    start_date TEXT, end_date TEXT, capital REAL, frequency TEXT, created REAL, queue_s REAL, run_s REAL,
    compile_error TEXT, cancelled_at REAL, list_seen_terminal INTEGER DEFAULT 0,
    deleted INTEGER DEFAULT 0, public INTEGER DEFAULT 0);
CREATE INDEX IF NOT EXISTS backtests_strategy ON backtests(strategy_id, type, deleted, created);
CREATE INDEX IF NOT EXISTS backtests_user ON backtests(user_id, deleted, created);
CREATE TABLE IF NOT EXISTS tags(tag_key INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE IF NOT EXISTS posts(
    id INTEGER PRIMARY KEY, unique_key TEXT UNIQUE, user_id INTEGER, title TEXT, content TEXT,
    add_time REAL, mod_time REAL, last_active_time REAL, last_reply_time REAL,
    view_count INTEGER, like_count INTEGER, dislike_count INTEGER, collection_count INTEGER,
    is_top INTEGER, is_best INTEGER, cate INTEGER, backtest_id INTEGER, clone_count INTEGER,
    clone_cost INTEGER, ip_address TEXT, reply_count INTEGER);
CREATE INDEX IF NOT EXISTS posts_new ON posts(is_top DESC, add_time DESC);
CREATE INDEX IF NOT EXISTS posts_cate ON posts(cate, is_top DESC, add_time DESC);
CREATE TABLE IF NOT EXISTS post_tags(post_id INTEGER, tag_key INTEGER, PRIMARY KEY(tag_key, post_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS replies(
    id INTEGER PRIMARY KEY, reply_key TEXT UNIQUE, post_id INTEGER, user_id INTEGER,
    o_reply_id INTEGER, p_reply_id INTEGER, content TEXT, add_time REAL, is_best INTEGER DEFAULT 0);
CREATE INDEX IF NOT EXISTS replies_post ON replies(post_id, o_reply_id, add_time);
CREATE TABLE IF NOT EXISTS purchases(user_id INTEGER, post_id INTEGER, PRIMARY KEY(user_id, post_id));
CREATE TABLE IF NOT EXISTS clones(user_id INTEGER, post_id INTEGER, strategy_id INTEGER, PRIMARY KEY(user_id, post_id));
"""


POOL_IDLE = 8  # idle connections kept for the next request; more are closed when handed back


class Database:
    """Pooled connections to one SQLite file: a thread holds one from first use until ``release()``."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        folder = os.path.dirname(self.path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        self._local = threading.local()
        self._idle: List[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self.conn().executescript(SCHEMA)
        self.release()

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                conn = self._open()
            self._local.conn = conn
        return conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def release(self) -> None:
        """Hand this thread's connection back to the pool (closed when the pool is full or shut)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            return
        self._local.conn = None
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        with self._lock:
            if not self._closed and len(self._idle) < POOL_IDLE:
                self._idle.append(conn)
                return
        conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction (``BEGIN IMMEDIATE``): commit on success, roll back on error."""
        conn = self.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def one(self, sql: str, params: Tuple[Any, ...] = ()) -> Optional[sqlite3.Row]:
        row: Optional[sqlite3.Row] = self.conn().execute(sql, params).fetchone()
        return row

    def row(self, sql: str, params: Tuple[Any, ...] = ()) -> sqlite3.Row:
        """A row the caller knows exists; none is a bug (``LookupError``: the view answers 500)."""
        row = self.one(sql, params)
        if row is None:
            raise LookupError(f"no row for {sql!r} {params!r}")
        return row

    def all(self, sql: str, params: Tuple[Any, ...] = ()) -> List[sqlite3.Row]:
        return self.conn().execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Tuple[Any, ...] = (), default: Any = None) -> Any:
        row = self.conn().execute(sql, params).fetchone()
        return default if row is None else row[0]

    def meta(self, key: str, default: str = "") -> str:
        value = self.scalar("SELECT value FROM meta WHERE key=?", (key,))
        return default if value is None else str(value)

    def close(self) -> None:
        """Close the idle connections and this thread's; threads still inside a request close theirs on release."""
        self.release()
        with self._lock:
            self._closed = True
            conns, self._idle = self._idle, []
        for conn in conns:
            conn.close()
