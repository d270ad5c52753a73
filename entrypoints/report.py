"""``backtest report``: one self-contained HTML file (inline CSS and SVG, no script, no network).

Sections: settings, every metric (one column per run with ``--compare``), the cumulative curves and the
excess return, the drawdown, monthly returns (a year × month table), the first and last trades, the
positions at the end and the code.  Every plotted series is a ``<polyline data-series="…">`` so that
tests (and readers of the DOM) find them.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from jqcli.entrypoints.chart import resample
from jqcli.entrypoints.presenters_results import POSITION_COLUMNS, TRADE_COLUMNS, position_item, trade_item

if TYPE_CHECKING:
    from jqcli.application.results import ReportData, RunReport

MAX_POINTS = 1200  # per series; a six-year daily run (~1460 days) is resampled, never more
WIDTH, HEIGHT, PAD = 960, 320, 48
COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2")
STYLE = """
body{font:14px/1.5 -apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;margin:24px auto;
max-width:1000px;color:#222;padding:0 12px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0}td,th{border:1px solid #e3e3e3;padding:3px 7px;
text-align:right;white-space:nowrap}th{background:#f6f6f6}td.l,th.l{text-align:left}
.pos{color:#c0392b}.neg{color:#1e8449}.muted{color:#888}.legend span{margin-right:16px}
.sw{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:4px}
pre{background:#f8f8f8;border:1px solid #eee;padding:10px;overflow:auto;font-size:12px;max-height:640px}
svg{background:#fff;border:1px solid #eee}.scroll{overflow-x:auto}
.cols{display:flex;flex-wrap:wrap;gap:0 32px;align-items:flex-start}
"""


def _num(value: object, digits: int = 4) -> str:
    if value is None or value == "":
        return '<span class="muted">--</span>'
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return escape(f"{value:.{digits}f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else f"{value:g}")
    if isinstance(value, (list, tuple)):
        return escape(" ~ ".join(str(v) for v in value))
    return escape(str(value))


def _signed(value: float) -> str:
    cls = "pos" if value > 0 else "neg" if value < 0 else ""
    return f'<td class="{cls}">{value:+.2f}%</td>'


def _coords(values: Sequence[float], low: float, high: float, height: int) -> Tuple[int, str]:
    points = resample(values, MAX_POINTS)
    span = (high - low) or 1.0
    step = (WIDTH - 2 * PAD) / max(1, len(points) - 1)
    text = " ".join(
        f"{PAD + i * step:.1f},{PAD / 2 + (high - v) / span * (height - PAD):.1f}" for i, v in enumerate(points)
    )
    return len(points), text


Series = Sequence[Tuple[str, Sequence[float], str]]


def _svg(
    title: str,
    series: Series,
    dates: Sequence[str],
    *,
    fill: bool = False,
    band: Optional[Tuple[int, int]] = None,
    height: int = HEIGHT,
) -> str:
    values = [v for _, s, _ in series for v in s] + [0.0]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    zero_y = PAD / 2 + high / span * (height - PAD)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}">',
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{zero_y:.1f}" y2="{zero_y:.1f}" '
        'stroke="#bbb" stroke-dasharray="4 3"/>',
    ]
    for i in range(5):
        value = high - span * i / 4
        y = PAD / 2 + (height - PAD) * i / 4
        parts.append(f'<text x="{PAD - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{value:.1f}%</text>')
    if band is not None and len(dates) > 1:  # the maximum drawdown, from its peak to its trough
        step = (WIDTH - 2 * PAD) / (len(dates) - 1)
        x0, x1 = PAD + band[0] * step, PAD + band[1] * step
        parts.append(
            f'<rect data-mark="max-drawdown" x="{x0:.1f}" y="{PAD / 2}" width="{max(1.0, x1 - x0):.1f}" '
            f'height="{height - PAD}" fill="#7f7f7f" fill-opacity="0.12"><title>最大回撤区间</title></rect>'
        )
    if dates:
        parts.append(f'<text x="{PAD}" y="{height - 6}" font-size="10">{escape(dates[0])}</text>')
        parts.append(
            f'<text x="{WIDTH - PAD}" y="{height - 6}" font-size="10" text-anchor="end">{escape(dates[-1])}</text>'
        )
    for name, line, color in series:
        count, coords = _coords(line, low, high, height)
        if fill:
            parts.append(
                f'<polygon data-series="{escape(name)}-area" fill="{color}" fill-opacity="0.25" stroke="none" '
                f'points="{PAD},{zero_y:.1f} {coords} {WIDTH - PAD},{zero_y:.1f}"/>'
            )
        parts.append(
            f'<polyline data-series="{escape(name)}" data-points="{count}" data-days="{len(line)}" fill="none" '
            f'stroke="{color}" stroke-width="1.6" points="{coords}"><title>{escape(name)}</title></polyline>'
        )
    parts.append("</svg>")
    legend = "".join(f'<span><i class="sw" style="background:{c}"></i>{escape(n)}</span>' for n, _, c in series)
    return f'<div class="legend">{legend}</div><div class="scroll">{"".join(parts)}</div>'


def _label(run: RunReport) -> str:
    return run.detail.name or run.backtest_id


def _settings(run: RunReport) -> str:
    d = run.detail
    rows = [
        ("名称", d.name), ("回测 id", run.backtest_id), ("运行 id", run.run_id), ("策略 id", d.strategy_id),
        ("开始", d.start_date), ("结束", d.end_date), ("初始资金", d.capital), ("频率", d.frequency),
    ]  # fmt: skip
    body = "".join(f'<tr><th class="l">{k}</th><td class="l">{_num(v)}</td></tr>' for k, v in rows)
    return f'<table data-table="settings">{body}</table>'


def _metrics(runs: Sequence[RunReport]) -> str:
    keys: List[str] = []
    for run in runs:
        keys += [k for k in run.metrics if k not in keys]
    head = '<tr><th class="l">指标</th>' + "".join(f"<th>{escape(_label(r))}</th>" for r in runs) + "</tr>"
    body = "".join(
        f'<tr><td class="l">{escape(k)}</td>' + "".join(f"<td>{_num(r.metrics.get(k))}</td>" for r in runs) + "</tr>"
        for k in keys
    )
    return f'<table data-table="metrics">{head}{body}</table>' if keys else '<p class="muted">(没有指标)</p>'


def _months(run: RunReport) -> str:
    years: Dict[str, Dict[int, float]] = {}
    for m in run.months:
        years.setdefault(m.month[:4], {})[int(m.month[5:7])] = m.percent
    if not years:
        return '<p class="muted">(没有数据)</p>'
    head = "<tr><th>年</th>" + "".join(f"<th>{i}月</th>" for i in range(1, 13)) + "<th>全年</th></tr>"
    rows = []
    for year, months in years.items():
        total = 1.0
        for value in months.values():
            total *= 1 + value / 100
        cells = "".join(_signed(months[i]) if i in months else "<td></td>" for i in range(1, 13))
        rows.append(f"<tr><th>{year}</th>{cells}{_signed((total - 1) * 100)}</tr>")
    return f'<table data-table="monthly">{head}{"".join(rows)}</table>'


def _rows(items: Sequence[Dict[str, object]], columns: Sequence[Tuple[str, str]], name: str) -> str:
    if not items:
        return '<p class="muted">(无)</p>'
    head = "<tr>" + "".join(f"<th>{escape(h)}</th>" for _, h in columns) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{_num(i.get(k))}</td>" for k, _ in columns) + "</tr>" for i in items)
    return f'<div class="scroll"><table data-table="{name}">{head}{body}</table></div>'


def render_report(data: ReportData, *, generated: str) -> str:
    from jqcli.domain.results import drawdowns, max_drawdown

    main = data.main
    runs = (main, *data.others)
    curve = main.curve
    series = [
        ("策略", curve.strategy, COLORS[0]),
        ("基准", curve.benchmark, COLORS[1]),
        ("超额", curve.excess, COLORS[2]),
    ]
    for index, other in enumerate(data.others):
        series.append((f"对比: {_label(other)}", other.curve.strategy, COLORS[(index + 3) % len(COLORS)]))
    period = max_drawdown(curve.strategy)
    dd_note = (
        f"最大回撤 {period.depth:.2f}%:{curve.dates[period.peak]} → {curve.dates[period.trough]}"
        f"(修复: {curve.dates[period.recovered] if period.recovered is not None else '未修复'})"
        if period
        else "没有回撤"
    )
    cap = ",站点只显示前 1000 行,完整记录请用 backtest export"
    trades_note = f"共 {main.trade_count} 笔" + (cap if main.trades_truncated else "")
    pos_day = main.positions[0].date if main.positions else ""
    pos_note = f"{pos_day}" + (",持仓记录被 1000 行上限截断,可能不是最后一天" if main.positions_truncated else "")
    title = escape(f"回测报告 · {_label(main)}")
    parts = [
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
        f"<style>{STYLE}</style></head><body>",
        f'<h1>{title}</h1><p class="muted">由 jqcli 生成于 {escape(generated)};本文件不含脚本,不访问网络。</p>',
        "<h2>收益曲线</h2>",
        _svg("累计收益(%)", series, curve.dates, band=(period.peak, period.trough) if period else None),
        "<h2>回撤</h2>", f"<p>{escape(dd_note)}</p>",
        _svg("回撤(%)", [("回撤", drawdowns(curve.strategy), "#7f7f7f")], curve.dates, fill=True, height=200),
        '<div class="cols"><section><h2>回测设置</h2>', _settings(main),
        "</section><section><h2>指标</h2>", _metrics(runs), "</section></div>",
        "<h2>月度收益(%)</h2>", _months(main),
    ]  # fmt: skip
    for other in data.others:
        parts += [f"<h3>{escape(_label(other))}</h3>", _months(other)]
    parts += [
        f"<h2>交易记录</h2><p>{escape(trades_note)}</p><h3>最初的交易</h3>",
        _rows([trade_item(t) for t in main.first_trades], TRADE_COLUMNS, "first-trades"),
        "<h3>最后的交易</h3>", _rows([trade_item(t) for t in main.last_trades], TRADE_COLUMNS, "last-trades"),
        f"<h2>期末持仓</h2><p>{escape(pos_note)}</p>",
        _rows([position_item(p) for p in main.positions], POSITION_COLUMNS, "positions"),
        "<h2>策略代码</h2>", f"<pre><code>{escape(main.code)}</code></pre>",
        "</body></html>\n",
    ]  # fmt: skip
    return "".join(parts)
