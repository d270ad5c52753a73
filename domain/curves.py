"""The answers of ``/backtest/stats`` and ``/backtest/result`` as values, and the paging of the curves.

``/backtest/result`` sends the curves a page at a time (protocol.md §2.13): ``data.result`` holds the
strategy's and the benchmark's ``{time: [...], value: [...]}`` series from ``offset`` on (its ``count``
says how many points), ``data.userRecord`` the ``record()`` series from ``userRecordOffset`` on, and
``data.state`` the task's state.  These rules read and merge such pages; the gateway builds the values
and keeps each raw envelope for the spec's ``response`` field.
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Sequence

import attrs

from jqcli.domain.backtest import TERMINAL, has_any_metrics, has_core_metrics, metrics_dict, status_of


def data_of(envelope: Mapping[str, object]) -> object:
    """The ``data`` of an envelope (``None`` when there is none)."""
    return envelope.get("data") if isinstance(envelope, Mapping) else None


def as_map(value: object) -> Dict[str, object]:
    """A dict copy of a mapping; anything else (``[]``, ``0``, ``None``) is ``{}``."""
    return dict(value) if isinstance(value, Mapping) else {}


@attrs.frozen
class StatsPage:
    """One ``/backtest/stats`` answer: ``data`` is the metrics mapping, or ``[]`` until the run has some."""

    data: object
    raw: Mapping[str, object] = attrs.field(factory=dict, repr=False)

    @classmethod
    def of(cls, envelope: Mapping[str, object]) -> StatsPage:
        return cls(data_of(envelope), envelope)

    @property
    def has_metrics(self) -> bool:
        """Some metrics are there (a compile run never gets the core ones)."""
        return bool(has_any_metrics(self.data))

    @property
    def complete(self) -> bool:
        """The core metrics of a finished formal backtest are there."""
        return bool(has_core_metrics(self.data))

    @property
    def metrics(self) -> Dict[str, object]:
        return metrics_dict(self.data)


@attrs.frozen
class CurvePage:
    """One ``/backtest/result`` answer (or several merged): the task's state and a page of curves."""

    data: Mapping[str, object]
    raw: Mapping[str, object] = attrs.field(factory=dict, repr=False)

    @classmethod
    def of(cls, envelope: Mapping[str, object]) -> CurvePage:
        return cls(as_map(data_of(envelope)), envelope)

    @property
    def state(self) -> object:
        return self.data.get("state")

    @property
    def status(self) -> str:
        return status_of(code=self.state)

    @property
    def ready(self) -> bool:
        """Curves came, or the task is over (a finished run with no points has nothing more to send)."""
        return isinstance(self.data.get("result"), Mapping) or self.status in TERMINAL

    @property
    def points(self) -> int:
        return page_count(self.data)

    @property
    def records(self) -> int:
        return record_count(self.data)

    def strategy_times(self) -> List[object]:
        """The time axis of the strategy's return curve in this page (``[]`` when absent)."""
        result = self.data.get("result")
        series = result.get("overallReturn") if isinstance(result, Mapping) else None
        times = series.get("time") if isinstance(series, Mapping) else None
        return list(times) if isinstance(times, list) else []


def _int(value: object) -> int:
    try:
        return int(float(str(value)))
    except (TypeError, ValueError):
        return 0


def page_count(data: Mapping[str, object]) -> int:
    """Points in this page of curves: ``result.count``, else the length of ``overallReturn.time``."""
    result = data.get("result")
    if not isinstance(result, Mapping):
        return 0
    if result.get("count") not in (None, ""):
        return _int(result.get("count"))
    series = result.get("overallReturn")
    return len(series.get("time") or []) if isinstance(series, Mapping) else 0


def record_count(data: Mapping[str, object]) -> int:
    """Points of the ``record()`` series in this page (the longest series)."""
    records = data.get("userRecord")
    if not isinstance(records, Mapping):
        return 0
    lengths = [len(s.get("time") or []) for s in records.values() if isinstance(s, Mapping)]
    return max(lengths, default=0)


def merge_series(old: object, new: object) -> object:
    """Concatenate ``{time: [...], value: [...]}`` leaves; newer scalars win."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        if isinstance(old.get("time"), list) and isinstance(new.get("time"), list):
            return {k: list(old.get(k) or []) + list(new.get(k) or []) for k in set(old) | set(new)}
        return {k: merge_series(old.get(k), new.get(k)) if k in old and k in new else new.get(k, old.get(k))
                for k in list(old) + [k for k in new if k not in old]}  # fmt: skip
    return new if new is not None else old


def merge_result(merged: Mapping[str, object], page: Mapping[str, object]) -> Dict[str, object]:
    """``merged`` with the next page's curves appended (its ``result.count`` the points of both)."""
    out = dict(merged)
    for key in ("result", "userRecord"):
        out[key] = merge_series(merged.get(key), page.get(key))
    out["state"] = page.get("state", merged.get("state"))
    result = out.get("result")
    if isinstance(result, dict):
        result["offset"] = as_map(merged.get("result")).get("offset")
        result["count"] = page_count(merged) + page_count(page)
    return out


def counted_lines(lines: Sequence[str]) -> int:
    """How far the log cursor moves: the site's ``offset`` counts only non-empty lines (protocol.md §9.1)."""
    return sum(1 for line in lines if line.strip())
