"""End to end: trades, positions, risk, export, chart and report on ``jqcli sandbox serve`` (issue 14).

One six-year run (2019–2024) of a strategy that trades every five days: fewer than 1000 trades (read
to the end) and one position row per day plus holdings (past the 1000-row display cap: truncated).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.e2e.conftest import JqRunner
from tests.support.sandbox_proc import start_sandbox_server

pytestmark = pytest.mark.e2e

CODE = """from jqdata import *


def initialize(context):
    set_benchmark('000300.XSHG')
    g.n = 0


def handle_data(context, data):
    g.n += 1
    if g.n % 10 == 1:
        order_target_value('510300.XSHG', context.portfolio.total_value * 0.9)
    elif g.n % 10 == 6:
        order_target('510300.XSHG', 0)
    log.info('第 %d 天' % g.n)
"""
FAST = ("--queue-seconds", "0.2", "--run-seconds", "1")
WAIT = ("--wait", "--poll-interval", "0.5", "--wait-timeout", "240")


def ok(result):
    assert result.code == 0, result
    return result.json


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("results-e2e")
    server = start_sandbox_server(str(root / "state.sqlite3"), "--seed", "21", *FAST)
    jq = JqRunner(server, root / "home")
    src = root / "s.py"
    src.write_text(CODE, encoding="utf-8")
    ran = ok(
        jq("backtest", "run", "--file", str(src), "--name", "结果端到端", "--start", "2019-01-02",
           "--end", "2024-12-31", *WAIT, timeout=300)
    )  # fmt: skip
    assert ran["status"] == "done", ran
    yield jq, ran["id"], root
    server.stop()


def test_trades_are_read_to_the_end_with_rows_normalised(world) -> None:
    jq, bid, _ = world
    out = ok(jq("backtest", "trades", bid))
    assert out["truncated"] is False and out["end"] == "end" and 100 < out["count"] < 1000
    assert out["rows_read"] == out["count"]  # every raw row counted by the cursor
    first = out["items"][0]
    assert first["code"] == "510300.XSHG" and first["name"] == "沪深300ETF" and isinstance(first["price"], float)
    assert isinstance(first["amount"], int) and first["side"] in ("买", "卖")


def test_trade_filters_limit_and_stream(world) -> None:
    jq, bid, _ = world
    every = ok(jq("backtest", "trades", bid))["items"]
    month = ok(jq("backtest", "trades", bid, "--date", "2020-03"))["items"]
    assert month and all(row["date"].startswith("2020-03") for row in month)
    assert month == [row for row in every if row["date"].startswith("2020-03")]
    assert ok(jq("backtest", "trades", bid, "--security", "沪深300"))["count"] == len(every)
    assert ok(jq("backtest", "trades", bid, "--security", "600000"))["count"] == 0
    assert [r["date"] for r in ok(jq("backtest", "trades", bid, "--limit", "3"))["items"]] == [
        r["date"] for r in every[:3]
    ]
    lines = jq("backtest", "trades", bid, "--stream").lines
    assert [line["type"] for line in lines[:-1]] == ["trade"] * len(every) and lines[-1]["type"] == "done"
    assert [line["item"] for line in lines[:-1]] == every and lines[-1]["count"] == len(every)


def test_positions_stop_at_the_cap_as_truncated_with_the_cash_rows_marked(world) -> None:
    jq, bid, _ = world
    result = jq("backtest", "positions", bid)
    out = ok(result)
    assert out["truncated"] is True and out["end"] == "truncated" and out["count"] == 1000
    assert "backtest export" in out["hint"] and "1000" in result.stderr
    cash = [row for row in out["items"] if row["cash"]]
    assert cash and all(row["code"] == "" and row["name"] == "现金" for row in cash)
    assert any(not row["cash"] and row["code"] == "510300.XSHG" for row in out["items"])


def test_table_output_of_trades(world) -> None:
    jq, bid, _ = world
    result = jq.raw("--api-base", jq.server.url, "backtest", "trades", bid, "--limit", "2")
    assert result.code == 0, result
    assert result.stdout.splitlines()[0].split()[:3] == ["日期", "时间", "代码"] and "共 2 行" in result.stdout


def test_risk_windows_with_na_as_null(world) -> None:
    jq, bid, _ = world
    out = ok(jq("backtest", "risk", bid))
    assert out["ready"] is True
    sharpe = out["metrics"]["sharpe"]
    assert sharpe[0]["month"] == "2019-01" and sharpe[0]["12m"] is None
    assert isinstance(sharpe[-1]["12m"], float)


def test_result_export_is_utf8_unless_raw_and_never_overwrites(world) -> None:
    jq, bid, root = world
    path = root / "result.csv"
    out = ok(jq("backtest", "export", bid, "--kind", "result", "--output", str(path)))
    assert out["utf8_converted"] is True and out["bytes"] == path.stat().st_size
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8"))))
    assert rows[0][0] == "时间" and rows[0][-1] == "超额收益(%)" and len(rows) > 1400
    again = jq("backtest", "export", bid, "--kind", "result", "--output", str(path))
    assert again.code == 6 and again.error["code"] == "file_error" and "--force" in again.error["details"]["hint"]
    ok(jq("backtest", "export", bid, "--kind", "result", "--output", str(path), "--force", "--raw"))
    assert path.read_bytes().decode("gb18030").startswith("时间,基准收益")
    for bad in ("/dev/null", str(root)):
        refused = jq("backtest", "export", bid, "--kind", "result", "--output", bad)
        assert refused.code == 6 and refused.error["details"]["reason"] == "not_regular"


def test_zip_export_creates_the_task_once_and_downloads_again_for_free(world) -> None:
    jq, bid, root = world
    path = root / "trades.csv"
    first = ok(jq("backtest", "export", bid, "--kind", "transaction", "--output", str(path), "--poll-interval", "0.5"))
    assert first["created_task"] is True and first["member"] == "transaction.csv" and first["task"]
    header = path.read_text("utf-8").splitlines()[0]
    assert header.startswith("日期,时间,品种,标的,交易类型")
    second = ok(jq("backtest", "export", bid, "--kind", "transaction", "--output", str(path), "--force"))
    assert second["created_task"] is False and second["reused_task"] is True and second["task"] == first["task"]
    zipped = root / "trades.zip"
    kept = ok(jq("backtest", "export", bid, "--kind", "transaction", "--output", str(zipped), "--keep-zip",
                 "--task", first["task"]))  # fmt: skip
    assert kept["created_task"] is False and zipped.read_bytes()[:2] == b"PK"
    with zipfile.ZipFile(zipped) as archive:
        assert archive.namelist() == ["transaction.csv"]


def test_chart_draws_in_a_pipe_as_one_line_and_in_full_on_request(world) -> None:
    jq, bid, _ = world
    spark = jq.raw("--api-base", jq.server.url, "backtest", "chart", bid)
    assert spark.code == 0 and len(spark.stdout.splitlines()) == 1 and spark.stdout.startswith("策略 ")
    full = jq.raw("--api-base", jq.server.url, "backtest", "chart", bid, "--full", "--width", "100")
    lines = full.stdout.splitlines()
    assert full.code == 0 and len(lines) > 14 and max(len(line) for line in lines) <= 100
    assert any("最大回撤" in line for line in lines) and any(line.lstrip().startswith("^") for line in lines)
    data = ok(jq("backtest", "chart", bid))
    assert data["points"] == len(data["curve"]) > 1400 and data["max_drawdown"]["percent"] < 0


def test_report_is_one_self_contained_html_file(world) -> None:
    jq, bid, root = world
    path = root / "report.html"
    out = ok(jq("backtest", "report", bid, "--output", str(path)))
    html = path.read_text("utf-8")
    assert out["bytes"] == len(html.encode("utf-8")) and out["points"] > 1400
    for series in ("策略", "基准", "超额", "回撤"):
        assert f'data-series="{series}"' in html
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "order_target_value" in html and 'data-table="monthly"' in html and 'data-table="positions"' in html
    assert jq("backtest", "report", bid, "--output", str(path)).code == 6


def test_report_compare_adds_the_other_runs_curve_and_metrics(world, tmp_path) -> None:
    jq, bid, root = world
    other = ok(jq("backtest", "run", "结果端到端", "--start", "2021-01-04", "--end", "2022-12-30", *WAIT, timeout=300))
    path = tmp_path / "cmp.html"
    out = ok(jq("backtest", "report", bid, "--compare", other["id"], "--output", str(path)))
    assert out["compare"] == [other["id"]]
    html = path.read_text("utf-8")
    assert 'data-series="对比: 结果端到端"' in html


def test_the_credits_answer_names_use_credit(tmp_path) -> None:
    server = start_sandbox_server(str(tmp_path / "s.sqlite3"), "--seed", "22", *FAST)
    try:
        jq = JqRunner(server, tmp_path / "home")
        src = tmp_path / "s.py"
        src.write_text(CODE, encoding="utf-8")
        bid = ok(jq("backtest", "run", "--file", str(src), "--name", "积分", "--start", "2024-01-02",
                    "--end", "2024-02-29", *WAIT))["id"]  # fmt: skip
        for n in range(3):  # the sandbox's free exports of a day
            ok(jq("backtest", "export", bid, "--kind", "log", "--output", str(tmp_path / f"log{n}.txt")))
        refused = jq("backtest", "export", bid, "--kind", "log", "--output", str(tmp_path / "log9.txt"))
        assert refused.code == 4 and refused.error["details"]["reason"] == "credits_required"
        assert "--use-credit" in refused.error["details"]["hint"] and not (tmp_path / "log9.txt").exists()
        unconfirmed = jq(
            "backtest", "export", bid, "--kind", "log", "--output", str(tmp_path / "l.txt"), "--use-credit"
        )
        assert unconfirmed.code == 7
        paid = ok(jq("backtest", "export", bid, "--kind", "log", "--output", str(tmp_path / "l.txt"),
                     "--use-credit", "--yes"))  # fmt: skip
        assert paid["created_task"] is True and json.loads(json.dumps(paid))["member"] == "log.txt"
        assert "第 1 天" in Path(tmp_path / "l.txt").read_text("utf-8")
    finally:
        server.stop()
