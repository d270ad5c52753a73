"""Rotating identifiers (protocol.md §1.6): every response mints fresh aliases, old ones keep working.

Each object (a strategy, a backtest, a post, a user, a folder) has a stable
integer key inside the sandbox and a *canonical* 32-hex alias derived from
the seed.  With rotation on, every rendering mints a new random alias; with it
off, the canonical one is shown, so runs are deterministic.  Every alias ever
issued is kept in the ``aliases`` table and resolves to its object.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from typing import Iterable, List, Optional, Tuple, Union

from jqcli.adapters.sandbox.site.db import Database

# Kinds of objects; all of a strategy's roles (edit/row/history/save ids) share one kind,
# so a client that passes an edit id where a history id is expected still succeeds, as on the site.
STRATEGY = "algo"
# A backtest's roles are told apart (protocol.md §1.6: "do not interchange"): the run id (build's
# ``backtestId``, the detail page's ``#backtestId``, a post's ``backtestId``) that the data endpoints
# take, the list id (``_backtestId``, for delete), the detail id (``_backtestId2``), the source id
# and one id per export button.
BACKTEST = "bt"
BT_LIST = "bt_list"
BT_DETAIL = "bt_detail"
BT_SOURCE = "bt_source"
BT_EXPORTS = ("bt_export_transaction", "bt_export_position", "bt_export_log")
# The build answer's hex ``backtestId``: protocol.md does not say which role it has.  jqcli's output calls it
# ``list_id`` and the spec tells users to pass it to ``backtest rm`` (§2.8, PJ's mapping), while clients also
# read stats and logs with it; so it is a role of its own that the data endpoints, the detail page and
# ``/backtest/del`` all take, and nothing else.
BT_BUILD = "bt_build"
BACKTEST_ROLES = (BACKTEST, BT_LIST, BT_DETAIL, BT_SOURCE, BT_BUILD, *BT_EXPORTS)
RUN_ROLES = (BACKTEST, BT_BUILD)  # what the data endpoints take (§1.6: the run id)
POST = "post"
USER = "user"
FOLDER = "folder"
REPLY = "reply"

Kinds = Union[str, Tuple[str, ...]]  # one kind, or any of several (a backtest's roles)


def canonical(seed: int, kind: str, obj: int) -> str:
    return hashlib.md5(f"jqcli-sandbox:{seed}:{kind}:{obj}".encode()).hexdigest()


def hex_token(nbytes: int) -> str:
    return os.urandom(nbytes).hex()


class Minter:
    """Aliases minted while one request is answered; flushed in one write before the response leaves."""

    def __init__(self, seed: int, rotate: bool) -> None:
        self.seed = seed
        self.rotate = rotate
        self.pending: List[Tuple[str, str, int]] = []

    def mint(self, kind: str, obj: int) -> str:
        if not self.rotate:
            return canonical(self.seed, kind, obj)
        alias = hex_token(16)
        self.pending.append((alias, kind, obj))
        return alias


def register_canonical(conn: sqlite3.Connection, seed: int, kind: str, objs: Iterable[int]) -> None:
    """Record the canonical aliases of freshly created objects (bulk)."""
    conn.executemany(
        "INSERT OR IGNORE INTO aliases(alias, kind, obj) VALUES (?,?,?)",
        [(canonical(seed, kind, obj), kind, obj) for obj in objs],
    )


def register_backtests(conn: sqlite3.Connection, seed: int, objs: Iterable[int]) -> None:
    """The canonical aliases of every role of freshly created backtests."""
    objs = list(objs)
    for kind in BACKTEST_ROLES:
        register_canonical(conn, seed, kind, objs)


def resolve(db: Database, kind: Kinds, alias: str) -> Optional[int]:
    """The object an alias of ``kind`` (or of any of a tuple of kinds) names, or ``None``."""
    alias = (alias or "").strip().lower()
    if not alias:
        return None
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    marks = ",".join("?" * len(kinds))
    row = db.one(f"SELECT obj FROM aliases WHERE alias=? AND kind IN ({marks})", (alias, *kinds))
    return None if row is None else int(row[0])
