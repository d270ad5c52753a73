"""The archive's fetch queue: which posts still need a detail or stats request, and in what order.

One queue per flag (``NEEDS_DETAIL``, ``NEEDS_STATS``).  Posts the list walk has
just stored go to the front, the backlog of older posts to the back.  A post is
never queued twice for one flag, nor queued while its request is in flight; at
most ``limit`` requests per flag are handed out at a time (the pool's workers
plus as many queued behind them, so that no worker waits for the writer), and
``--max-detail``/``--max-stats`` budgets cap how many are started in a run.
Only the writer thread touches it, so it needs no lock.
"""

from __future__ import annotations

import collections
from typing import Deque, Dict, Iterable, Mapping, Optional, Set


class EnrichmentQueue:
    def __init__(self, limits: Mapping[int, int], budgets: Mapping[int, Optional[int]]) -> None:
        """``limits``: requests in flight per flag (≥ 1); ``budgets``: starts allowed per flag (None: no cap)."""
        self._limits = {flag: max(1, limit) for flag, limit in limits.items()}
        self._budgets: Dict[int, Optional[int]] = {flag: budgets.get(flag) for flag in self._limits}
        self._todo: Dict[int, Deque[str]] = {flag: collections.deque() for flag in self._limits}
        self._queued: Dict[int, Set[str]] = {flag: set() for flag in self._limits}
        self._busy: Dict[int, Set[str]] = {flag: set() for flag in self._limits}

    def want(self, key: str, flags: int, *, front: bool = False) -> None:
        """Queue ``key`` for every flag in ``flags`` that this queue serves (no-op when already queued/in flight)."""
        for flag, todo in self._todo.items():
            if flags & flag and key not in self._queued[flag] and key not in self._busy[flag]:
                self._queued[flag].add(key)
                (todo.appendleft if front else todo.append)(key)

    def extend(self, flag: int, keys: Iterable[str]) -> None:
        """Queue a backlog (in the given order) behind what is already queued."""
        for key in keys:
            self.want(key, flag)

    def take(self, flag: int) -> Optional[str]:
        """The next key to fetch for ``flag``, or None when none may start now (empty, at the limit, no budget)."""
        todo = self._todo.get(flag)  # a flag the run skips is not served
        if not todo or len(self._busy[flag]) >= self._limits[flag] or self._budgets[flag] == 0:
            return None
        key = todo.popleft()
        self._queued[flag].discard(key)
        return key

    def start(self, flag: int, key: str) -> None:
        """``key``'s request for ``flag`` is in flight: it counts against the limit and the budget."""
        budget = self._budgets[flag]
        if budget is not None:
            self._budgets[flag] = budget - 1
        self._busy[flag].add(key)

    def finish(self, flag: int, key: str) -> None:
        self._busy[flag].discard(key)

    def has_work(self) -> bool:
        """Anything queued that may still start, or anything in flight."""
        return any((self._todo[flag] and self._budgets[flag] != 0) or self._busy[flag] for flag in self._todo)

    def pending(self, flag: int) -> int:
        """Queued plus in flight (for progress lines)."""
        return len(self._todo.get(flag, ())) + len(self._busy.get(flag, ()))
