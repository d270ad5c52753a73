"""The JSON of ``backtest trades|positions|risk|export|chart|report``: the use cases' values → output keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

if TYPE_CHECKING:
    from jqcli.application.results import CurveOutcome, ExportOutcome, LedgerOutcome, RiskOutcome
    from jqcli.domain.results import Curve, DrawdownPeriod, Position, Trade

TRUNCATED_HINT = "站点最多显示 1000 行,完整记录请用 backtest export {id} --kind {kind} --output 文件"

TRADE_COLUMNS = [
    ("date", "日期"),
    ("time", "时间"),
    ("code", "代码"),
    ("name", "名称"),
    ("side", "交易类型"),
    ("order_type", "下单类型"),
    ("amount", "成交数量"),
    ("price", "成交价"),
    ("total", "成交额"),
    ("gains", "平仓盈亏"),
    ("commission", "手续费"),
    ("status", "状态"),
]
POSITION_COLUMNS = [
    ("date", "日期"),
    ("code", "代码"),
    ("name", "名称"),
    ("amount", "数量"),
    ("price", "收盘价"),
    ("value", "市值"),
    ("gains", "盈亏"),
    ("avg_cost", "开仓均价"),
    ("percent", "仓位占比%"),
]


def table_rows(items: List[Dict[str, object]], digits: int = 4) -> List[Dict[str, object]]:
    """Rows for the table view: floats rounded for reading (the JSON keeps every digit)."""
    return [{k: round(v, digits) if isinstance(v, float) else v for k, v in item.items()} for item in items]


def trade_item(row: Trade) -> Dict[str, object]:
    return {
        "date": row.date,
        "time": row.time,
        "code": row.security,
        "name": row.name,
        "side": row.side,
        "order_type": row.order_type,
        "amount": row.amount,
        "price": row.price,
        "total": row.total,
        "gains": row.gains,
        "commission": row.commission,
        "status": row.status,
        "order_amount": row.order_amount,
        "limit_price": row.limit_price,
        "match_time": row.match_time,
        "fill_percent": row.fill_percent,
    }


def position_item(row: Position) -> Dict[str, object]:
    return {
        "date": row.date,
        "code": row.security,
        "name": row.name,
        "cash": row.cash,
        "side": row.side,
        "amount": row.amount,
        "closeable": row.closeable,
        "price": row.price,
        "value": row.value,
        "gains": row.gains,
        "avg_cost": row.avg_cost,
        "hold_cost": row.hold_cost,
        "daily_gains": row.daily_gains,
        "margin": row.margin,
        "percent": row.percent,
    }


def item_of(kind: str) -> Callable[[Any], Dict[str, object]]:
    """The item builder of a ledger kind (its rows are ``Trade``s or ``Position``s)."""
    return trade_item if kind == "transaction" else position_item


def ledger_summary(outcome: LedgerOutcome, kind: str) -> Dict[str, object]:
    from jqcli.domain.backtest import status_of

    data: Dict[str, object] = {
        "id": outcome.backtest_id,
        "run_id": outcome.run_id,
        "count": outcome.count,
        "truncated": outcome.truncated,
        "end": outcome.end,
        "rows_read": outcome.raw_rows,
        "pages": outcome.pages,
        "status": status_of(code=outcome.status) if outcome.status not in (None, "") else None,
    }
    if outcome.truncated:
        data["hint"] = TRUNCATED_HINT.format(id=outcome.backtest_id, kind=kind)
    return data


def ledger_output(outcome: LedgerOutcome, kind: str) -> Dict[str, object]:
    item = item_of(kind)
    return {**ledger_summary(outcome, kind), "items": [item(row) for row in outcome.rows]}


def risk_output(outcome: RiskOutcome) -> Dict[str, object]:
    metrics = {
        name: [
            {"month": w.month, "1m": w.values[0], "3m": w.values[1], "6m": w.values[2], "12m": w.values[3]}
            for w in windows
        ]
        for name, windows in outcome.metrics.items()
    }
    return {
        "id": outcome.backtest_id,
        "run_id": outcome.run_id,
        "ready": outcome.ready,
        "tries": outcome.tries,
        "metrics": metrics,
    }


def risk_rows(outcome: RiskOutcome) -> List[Dict[str, object]]:
    """One table row per metric and month (1/3/6/12-month windows as columns)."""
    rows: List[Dict[str, object]] = []
    for name, windows in outcome.metrics.items():
        for w in windows:
            rows.append({"metric": name, "month": w.month, **dict(zip(("m1", "m3", "m6", "m12"), w.values))})
    return rows


def export_output(outcome: ExportOutcome, path: str, written: int, *, reused: bool) -> Dict[str, object]:
    return {
        "id": outcome.backtest_id,
        "kind": outcome.kind,
        "export_id": outcome.export_id,
        "task": outcome.task or None,
        "created_task": outcome.created,
        "reused_task": reused,
        "member": outcome.member or None,
        "output": path,
        "bytes": written,
        "utf8_converted": outcome.converted,
        "polls": outcome.polls,
    }


def curve_points(curve: Curve) -> List[Dict[str, object]]:
    return [
        {"date": d, "strategy": round(a, 4), "benchmark": round(b, 4), "excess": round(x, 4)}
        for d, a, b, x in zip(curve.dates, curve.strategy, curve.benchmark, curve.excess)
    ]


def chart_output(outcome: CurveOutcome, period: Optional[DrawdownPeriod]) -> Dict[str, object]:
    curve = outcome.curve
    data: Dict[str, object] = {
        "id": outcome.backtest_id,
        "run_id": outcome.run_id,
        "points": len(curve),
        "strategy_return": round(curve.strategy[-1], 4) if len(curve) else None,
        "benchmark_return": round(curve.benchmark[-1], 4) if len(curve) else None,
        "excess_return": round(curve.excess[-1], 4) if len(curve) else None,
        "max_drawdown": None,
        "curve": curve_points(curve),
    }
    if period is not None:
        data["max_drawdown"] = {
            "percent": round(period.depth, 4),
            "peak": curve.dates[period.peak],
            "trough": curve.dates[period.trough],
            "recovered": curve.dates[period.recovered] if period.recovered is not None else None,
        }
    return data
