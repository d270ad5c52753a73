"""A run's outputs as the site's endpoints show them, read from its ``events.ndjson`` and ``result.json``.

The engine appends one JSON event per line (flushed per simulated day); a
partial last line is ignored.  Parsed outputs are cached per file size, so
polling a running backtest re-reads only when the engine has written more.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

from jqcli.adapters.sandbox.site.supervise import complete_events

LEVEL_WIDTH = 5  # ``INFO  - `` as the site's live log lines show (protocol.md §2.14)


class Outputs:
    """Everything one run has reported so far, in order."""

    def __init__(self, events: List[Dict[str, object]]) -> None:
        self.days: List[Dict[str, object]] = []
        self.logs: List[Tuple[str, str]] = []  # (date, rendered line), one entry per non-empty line
        self.records: List[Dict[str, object]] = []
        self.trades: List[Dict[str, object]] = []
        self.positions: List[Dict[str, object]] = []  # rows of every day, each with its "date"
        self.progress_days = 0
        for event in events:
            kind = event.get("e")
            if kind == "day":
                self.days.append(event)
            elif kind == "log":
                self._log(event)
            elif kind == "record":
                self.records.append(event)
            elif kind == "trade":
                self.trades.append({k: v for k, v in event.items() if k != "e"})
            elif kind == "positions":
                day = str(event.get("date") or "")
                rows = event.get("rows")
                for row in rows if isinstance(rows, list) else []:
                    if isinstance(row, dict):
                        self.positions.append({"date": day, **row} if "date" not in row else dict(row))
            elif kind == "progress":
                self.progress_days = max(self.progress_days, int(str(event.get("day_index") or 0)) + 1)

    def _log(self, event: Dict[str, object]) -> None:
        stamp = str(event.get("time") or "")[:19]
        level = str(event.get("level") or "INFO").upper()
        first = True
        for part in str(event.get("msg") or "").split("\n"):
            if not part.strip():
                continue  # the site's log offset counts non-empty lines (protocol.md §9.1)
            text = f"{stamp} - {level:<{LEVEL_WIDTH}} - {part}" if first else part
            self.logs.append((stamp[:10], text))
            first = False

    def days_before(self, cutoff: Optional[str]) -> int:
        """How many simulated days have a date up to ``cutoff`` (all when ``None``)."""
        if cutoff is None:
            return len(self.days)
        return sum(1 for d in self.days if str(d.get("date")) <= cutoff)


class OutputCache:
    def __init__(self, size: int = 16) -> None:
        self._items: OrderedDict[str, Tuple[Tuple[str, int, int], Outputs]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def load(self, run_dir: str) -> Outputs:
        path = os.path.join(run_dir, "events.ndjson")
        try:
            stat = os.stat(path)
            key = (path, stat.st_size, stat.st_mtime_ns)
        except OSError:
            return Outputs([])
        with self._lock:
            hit = self._items.get(path)
            if hit is not None and hit[0] == key:
                self._items.move_to_end(path)
                return hit[1]
        outputs = Outputs(complete_events(path))
        with self._lock:
            self._items[path] = (key, outputs)
            self._items.move_to_end(path)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return outputs
