"""Parsers of the server-rendered backtest pages: a strategy's history and a run's detail (protocol.md §2.9, §2.10).

Each parser raises ``ApiError`` when its page lacks the elements that make it that page: a changed
or error page must never read as an empty list.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, List, Tuple

from jqcli.adapters.joinquant.html import (
    attr,
    by_class,
    by_id,
    cells,
    first_of,
    max_page,
    missing,
    parse_html,
    text_of,
)
from jqcli.adapters.joinquant.htmlcut import cut_list_page, drop_scripts
from jqcli.adapters.joinquant.paths import DETAIL_PATH
from jqcli.adapters.joinquant.wire import lenient_float
from jqcli.domain.backtest import BacktestRow, status_of

if TYPE_CHECKING:
    from jqcli.domain.backtest_detail import BacktestDetail

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- backtest history -------------------------------------------------------------------------------


def _dates(text: str) -> Tuple[str, str]:
    found = _DATE.findall(text)
    if len(found) >= 2:
        return found[0], found[1]
    left, _, right = text.partition(" - ")
    return left.strip(), right.strip()


def parse_backtest_list(html: str, *, path: str) -> Tuple[List[BacktestRow], int]:
    root = parse_html(cut_list_page(html, table_id="backtest-feed-table", row_class="backtest-tr", list_path=path))
    if by_id(root, "backtest-feed-table") is None:
        raise missing("#backtest-feed-table", path, page=html)
    rows = []
    for tr in by_class(root, "backtest-tr", tag="tr"):
        tds = [text_of(td) for td in cells(tr)]
        off = 0 if tds and tds[0].isdigit() else 1
        tds += [""] * 18
        source = next(by_class(tr, "source-code"), None)
        name_span = next(by_class(tr, "backtest-name"), None)
        status_span = next(by_class(tr, "backtest-list__backtest-status"), None)
        status_text = text_of(status_span) if status_span is not None else tds[15 + off]
        code = attr(tr, "_status")
        start, end = _dates(tds[3 + off])
        rows.append(
            BacktestRow(
                id=attr(tr, "_backtestid2"),
                list_id=attr(tr, "_backtestid"),
                source_id=attr(source, "_backtestid") if source is not None else "",
                numeric_id=attr(source, "backtestid_") if source is not None else "",
                name=(attr(name_span, "title") or text_of(name_span)) if name_span is not None else tds[1 + off],
                status=status_of(status_text, code),
                status_code=code,
                status_text=status_text,
                start_date=start,
                end_date=end,
                capital=lenient_float(tds[4 + off].lstrip("￥¥")),
                frequency=tds[6 + off],
                run_time=tds[5 + off],
                metrics={
                    "algorithm_return": tds[7 + off],
                    "benchmark_return": tds[8 + off],
                    "max_drawdown": tds[9 + off],
                },
                submitted_at=tds[2 + off],
            )
        )
    return rows, max_page(root, path)


# --- backtest detail -------------------------------------------------------------------------------


def parse_backtest_detail(text: str, *, backtest_id: str) -> BacktestDetail:
    from jqcli.domain.backtest_detail import BacktestDetail

    stripped = text.lstrip()
    if stripped.startswith("{"):  # the XHR variant seen by PJX: {"data":{"backtest":{"backtestId":…}}}
        try:
            payload = json.loads(stripped)
        except ValueError:
            payload = None
        data = payload.get("data") if isinstance(payload, dict) else None
        inner = data.get("backtest") if isinstance(data, dict) else None
        if isinstance(inner, dict) and inner.get("backtestId"):
            return BacktestDetail(id=backtest_id, run_id=str(inner["backtestId"]))
        raise missing("data.backtest.backtestId", DETAIL_PATH, page=text, id=backtest_id)
    root = parse_html(drop_scripts(text))
    run = by_id(root, "backtestId")
    code = by_id(root, "code")
    title = by_id(root, "title-box")
    if run is None and code is None and title is None:
        raise missing("#backtestId / #code / #title-box", DETAIL_PATH, page=text, id=backtest_id)
    source = code if code is not None and attr(code, "_backtestid") else first_of(by_class(root, "source-code"))

    def value(element_id: str) -> str:
        node = by_id(root, element_id)
        if node is None:
            return ""
        return attr(node, "value") or text_of(node)

    name = ""
    if title is not None:
        name = attr(title, "value") or text_of(title)
    elif next(by_class(root, "backtest_name"), None) is not None:
        name = text_of(next(by_class(root, "backtest_name")))
    return BacktestDetail(
        id=backtest_id,
        run_id=attr(run, "value") if run is not None else "",
        strategy_id=value("algorithmId"),
        name=name,
        start_date=value("startTime") or value("startDate"),
        end_date=value("endTime") or value("endDate"),
        capital=lenient_float(value("baseCapital").strip().lstrip("￥¥")),
        frequency=value("frequency"),
        source_id=attr(source, "_backtestid") if source is not None else "",
    )
