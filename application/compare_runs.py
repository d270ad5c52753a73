"""``backtest compare A B [C …]``: settings side by side, every metric's change, the source diff.

Each run costs three GETs: the detail page (settings and the run id the data endpoints take), the stats
and the source (protocol.md §2.10–2.12); a run whose stats are not complete costs one more, the task
state.  The first run is the base every other is compared with (``domain.compare``).  The detail page
does not say whether a run was a formal backtest or a compile run, so ``mode`` is left unknown (None)
rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

import attrs

from jqcli.domain.backtest import DONE, has_core_metrics, metrics_dict, status_of
from jqcli.domain.backtest_detail import BacktestDetail
from jqcli.domain.compare import MetricChange, SettingsDiff, compare_metrics, settings_differences, source_diff
from jqcli.domain.errors import UsageError

if TYPE_CHECKING:
    from jqcli.application.ports import BacktestGateway


@attrs.frozen
class ComparedRun:
    id: str  # the id as given
    detail: BacktestDetail
    status: str
    metrics: Dict[str, object]
    code: str

    @property
    def settings(self) -> Dict[str, object]:
        d = self.detail
        return {
            "start_date": d.start_date,
            "end_date": d.end_date,
            "capital": d.capital,
            "frequency": d.frequency,
            "mode": None,  # not on the detail page (see the module docstring)
        }


@attrs.frozen
class SourceDiff:
    base: str
    other: str
    diff: str  # a unified diff, "" when the code is the same


@attrs.frozen
class Comparison:
    runs: Tuple[ComparedRun, ...]
    metrics: Tuple[MetricChange, ...]
    settings_differences: Tuple[SettingsDiff, ...]
    source_diffs: Tuple[SourceDiff, ...]


@attrs.frozen
class CompareRuns:
    """Read every run, then compare them with the first."""

    backtests: BacktestGateway

    def execute(self, backtest_ids: Sequence[str], *, context: int = 3) -> Comparison:
        ids = [i.strip() for i in backtest_ids]
        if len(ids) < 2 or not all(ids):
            raise UsageError("backtest compare 需要至少两个回测 id", details={"ids": list(backtest_ids)})
        runs = tuple(self._read(i) for i in ids)
        base = runs[0]
        diffs = tuple(
            SourceDiff(base.id, run.id, source_diff(base.code, run.code, base_name=base.id, other_name=run.id,
                                                    context=context))
            for run in runs[1:]
        )  # fmt: skip
        return Comparison(
            runs=runs,
            metrics=tuple(compare_metrics([run.metrics for run in runs])),
            settings_differences=tuple(settings_differences([run.settings for run in runs])),
            source_diffs=diffs,
        )

    def _read(self, backtest_id: str) -> ComparedRun:
        detail = self.backtests.detail(backtest_id)
        run_id = detail.run_id or backtest_id
        metrics = self.backtests.stats(run_id).data
        status = DONE if has_core_metrics(metrics) else self._status(run_id)
        return ComparedRun(backtest_id, detail, status, metrics_dict(metrics), self.backtests.source(run_id))

    def _status(self, run_id: str) -> str:
        data = self.backtests.result(run_id).data
        return status_of(code=data.get("state") if isinstance(data, Mapping) else None) or "running"


def best_index(change: MetricChange) -> Optional[int]:
    """The run with the best value of a directed metric (None for a neutral one, a tie or no values)."""
    known: List[Tuple[float, int]] = [(v, i) for i, v in enumerate(change.values) if v is not None]
    if change.direction not in ("higher", "lower") or len(known) < 2:
        return None
    ordered = sorted(known, reverse=change.direction == "higher")
    if ordered[0][0] == ordered[1][0]:
        return None
    return ordered[0][1]
