"""Fact test: ``export?type=result`` is a GB18030 CSV download with the documented header (protocol.md §3.1, §9.7)."""

from __future__ import annotations

from tests.sandbox.conftest import Client, settle

HEADER = "时间,基准收益,策略收益,当日盈利,当日亏损,当日买入,当日卖出,超额收益(%)"


def _finished_run(client: Client, clock) -> str:
    resp = client.build(client.edit_id("多因子选股"))
    run_id = resp.json["data"]["backtestId"]
    settle(client.app)
    clock.advance(10)
    assert client.get(f"/algorithm/backtest/result?backtestId={run_id}").json["data"]["state"] == "2"
    return run_id


def test_result_csv_is_gb18030_with_the_documented_header_and_one_row_per_day(client, clock) -> None:
    run_id = _finished_run(client, clock)
    resp = client.get(f"/algorithm/backtest/export?backtestId={run_id}&type=result")
    assert resp.status == 200
    assert resp.header("Content-Disposition").startswith("attachment; filename=result_")
    assert resp.header("Content-Disposition").endswith(".csv")
    try:
        resp.body.decode("utf-8")
        raise AssertionError("the CSV must not be UTF-8 (the site sends GB18030)")
    except UnicodeDecodeError:
        pass
    lines = resp.body.decode("gb18030").splitlines()
    assert lines[0] == HEADER
    assert len(lines) == 1 + 64  # 2024-01-02 .. 2024-03-29: 64 trade days
    first = lines[1].split(",")
    assert first[0] == "2024-01-02"
    strategy, benchmark, excess = float(first[2]), float(first[1]), float(first[7])
    assert abs(excess - ((strategy + 100) / (benchmark + 100) * 100 - 100)) < 1e-3


def test_result_csv_of_a_running_backtest_is_refused_as_json(client) -> None:
    resp = client.build(client.edit_id("多因子选股"))
    run_id = resp.json["data"]["backtestId"]
    answer = client.get(f"/algorithm/backtest/export?backtestId={run_id}&type=result")
    assert answer.header("Content-Type").startswith("application/json")
    assert answer.json["code"] != "00000"
