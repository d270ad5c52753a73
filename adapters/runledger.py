"""``RunLedger`` in SQLite: ``runs.sqlite3`` in the user data folder (issue 13 item 6).

Each write is one committed transaction (SQLite's rollback journal makes it atomic: a process
killed at any point leaves either the old or the new row).  Entries are scoped to one site and
account.  A file that is not a readable SQLite database is moved aside
(``runs.sqlite3.corrupt-<time>``) with a warning and a fresh ledger is started; a ledger that
cannot be opened at all (permissions, a directory in the way) is a ``FileError``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from typing import Callable, List, Optional, Tuple

import attrs

from jqcli.domain.errors import FileError
from jqcli.domain.ledger import LedgerEntry, RunSettings

LEDGER_NAME = "runs.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    key INTEGER PRIMARY KEY AUTOINCREMENT,
    site TEXT NOT NULL, account TEXT NOT NULL,
    submitted_at REAL NOT NULL, strategy_id TEXT NOT NULL, strategy_name TEXT NOT NULL,
    mode TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL, capital REAL, frequency TEXT NOT NULL,
    code_hash TEXT NOT NULL, outcome TEXT NOT NULL,
    backtest_id TEXT NOT NULL DEFAULT '', list_id TEXT NOT NULL DEFAULT '', run_id TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '', metrics TEXT NOT NULL DEFAULT '{}', file TEXT NOT NULL DEFAULT '',
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_scope ON runs (site, account, submitted_at);
"""
COLUMNS = (
    "submitted_at", "strategy_id", "strategy_name", "mode", "start", "end", "capital", "frequency",
    "code_hash", "outcome", "backtest_id", "list_id", "run_id", "status", "metrics", "file",
)  # fmt: skip


def default_ledger_path(data_dir: str) -> str:
    return os.path.join(data_dir, LEDGER_NAME)


class SqliteRunLedger:
    """Implements ``RunLedger``; the database is opened on first use."""

    def __init__(
        self, path: str, *, site: str, account: str, warn: Callable[[str], None], clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.site = site
        self.account = account
        self._warn = warn
        self._clock = clock
        self._conn: Optional[sqlite3.Connection] = None

    # -- opening ------------------------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        try:
            os.makedirs(os.path.dirname(self.path) or ".", mode=0o700, exist_ok=True)
        except OSError as exc:
            raise self._file_error("无法创建回测台账目录", exc) from None
        try:
            return self._connect()
        except sqlite3.OperationalError as exc:  # locked, unreadable, a directory in the way
            raise self._file_error("无法打开回测台账", exc) from None
        except sqlite3.DatabaseError:  # not a database, or a damaged one: keep it aside, start afresh
            aside = f"{self.path}.corrupt-{int(self._clock())}"
            try:
                os.replace(self.path, aside)
            except OSError as exc:
                raise self._file_error("回测台账已损坏且无法移走", exc) from None
            self._warn(f"回测台账 {self.path} 已损坏,已移到 {aside} 并新建空台账")
            try:
                return self._connect()
            except sqlite3.DatabaseError as exc:
                raise self._file_error("无法新建回测台账", exc) from None

    def _connect(self) -> sqlite3.Connection:
        fresh = not os.path.exists(self.path)
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            if fresh:
                os.chmod(self.path, 0o600)
            check = conn.execute("PRAGMA quick_check(1)").fetchone()
            if not check or check[0] != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {check[0] if check else '?'}")
            conn.executescript(SCHEMA)
        except (sqlite3.DatabaseError, OSError):
            conn.close()
            raise
        conn.row_factory = sqlite3.Row
        return conn

    def _file_error(self, what: str, exc: BaseException) -> FileError:
        return FileError(f"{what}: {self.path}({exc})", details={"path": self.path})

    def _write(self, sql: str, params: Tuple[object, ...]) -> sqlite3.Cursor:
        conn = self._db()
        try:
            with conn:  # one transaction, committed (or rolled back) as a whole
                conn.execute("BEGIN IMMEDIATE")
                return conn.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise self._file_error("写入回测台账失败", exc) from None

    # -- RunLedger ------------------------------------------------------------------------------
    def add(self, entry: LedgerEntry) -> LedgerEntry:
        names = ", ".join(f'"{c}"' for c in ("site", "account", *COLUMNS, "updated_at"))
        marks = ", ".join("?" for _ in range(len(COLUMNS) + 3))
        cursor = self._write(
            f"INSERT INTO runs ({names}) VALUES ({marks})", (self.site, self.account, *_values(entry), self._clock())
        )
        return attrs.evolve(entry, key=int(cursor.lastrowid or 0))

    def save(self, entry: LedgerEntry) -> None:
        sets = ", ".join(f'"{c}"=?' for c in (*COLUMNS, "updated_at"))
        self._write(
            f"UPDATE runs SET {sets} WHERE key=? AND site=? AND account=?",
            (*_values(entry), self._clock(), entry.key, self.site, self.account),
        )

    def remove(self, key: int) -> None:
        self._write("DELETE FROM runs WHERE key=? AND site=? AND account=?", (key, self.site, self.account))

    def entries(
        self,
        *,
        strategy: str = "",
        status: str = "",
        since: Optional[float] = None,
        until: Optional[float] = None,
        limit: Optional[int] = None,
    ) -> List[LedgerEntry]:
        where: List[str] = ["site=?", "account=?"]
        params: List[object] = [self.site, self.account]
        if strategy:
            where.append("(strategy_name=? OR strategy_id=?)")
            params += [strategy, strategy]
        if status:
            where.append("status=?")
            params.append(status)
        if since is not None:
            where.append("submitted_at>=?")
            params.append(since)
        if until is not None:
            where.append("submitted_at<?")
            params.append(until)
        sql = f"SELECT * FROM runs WHERE {' AND '.join(where)} ORDER BY submitted_at DESC, key DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._read(sql, tuple(params))

    def same_runs(self, code_hash: str, settings: RunSettings) -> List[LedgerEntry]:
        sql = (
            'SELECT * FROM runs WHERE site=? AND account=? AND code_hash=? AND mode=? AND start=? AND "end"=?'
            " AND frequency=? ORDER BY submitted_at DESC, key DESC"
        )
        found = self._read(
            sql, (self.site, self.account, code_hash, settings.mode, settings.start, settings.end, settings.frequency)
        )
        return [entry for entry in found if entry.settings == settings]

    def _read(self, sql: str, params: Tuple[object, ...]) -> List[LedgerEntry]:
        try:
            rows = self._db().execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._file_error("读取回测台账失败", exc) from None
        return [_entry(row) for row in rows]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _values(entry: LedgerEntry) -> Tuple[object, ...]:
    s = entry.settings
    metrics = json.dumps(dict(entry.metrics), ensure_ascii=False, default=str)
    return (
        entry.submitted_at, entry.strategy_id, entry.strategy_name, s.mode, s.start, s.end, s.capital, s.frequency,
        entry.code_hash, entry.outcome, entry.backtest_id, entry.list_id, entry.run_id, entry.status, metrics,
        entry.file,
    )  # fmt: skip


def _entry(row: sqlite3.Row) -> LedgerEntry:
    try:
        metrics = json.loads(row["metrics"] or "{}")
    except ValueError:
        metrics = {}
    return LedgerEntry(
        key=int(row["key"]),
        submitted_at=float(row["submitted_at"]),
        strategy_id=row["strategy_id"],
        strategy_name=row["strategy_name"],
        settings=RunSettings(
            mode=row["mode"], start=row["start"], end=row["end"], capital=row["capital"], frequency=row["frequency"]
        ),
        code_hash=row["code_hash"],
        outcome=row["outcome"],
        backtest_id=row["backtest_id"],
        list_id=row["list_id"],
        run_id=row["run_id"],
        status=row["status"],
        metrics=tuple(metrics.items()) if isinstance(metrics, dict) else (),
        file=row["file"],
    )
