"""Tables for people (issue 10, item 24): terminal width, wrapped values, error details, progress."""

from __future__ import annotations

import io

import pytest

from jqcli.entrypoints.cli import run
from jqcli.entrypoints.commands.backtest_views import WaitTicker, curve_summary
from jqcli.entrypoints.context import Stdio
from jqcli.entrypoints.render import Table, display_width, render_error, render_table, terminal_width
from tests.fakes import FakeClock
from tests.support.clirun import FakeStdin, run_cli


class TtyText(io.StringIO):
    def isatty(self) -> bool:
        return True


def _env(tmp_path, **extra) -> dict:
    return {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path), **extra}


def _sandbox(tmp_path, *argv, **kw):
    return run_cli(["--sandbox", "--non-interactive", *argv], env=_env(tmp_path, **kw.pop("env", {})), **kw)


def test_tables_fit_the_width_and_mark_cut_cells() -> None:
    rows = [{"name": "策略" * 30, "id": "f" * 32, "n": 1}, {"name": "短", "id": "a" * 32, "n": 22}]
    table = Table([("name", "名称"), ("id", "ID"), ("n", "N")], rows)
    for width in (40, 60, 200):
        lines = render_table(table, width=width).splitlines()
        assert all(display_width(line) <= width for line in lines), (width, lines)
    assert "…" in render_table(table, width=60)
    assert "…" not in render_table(table, width=200)  # nothing cut when it fits


def test_field_tables_wrap_values_and_keep_every_error_log_line() -> None:
    logs = ["Traceback (most recent call last):", "  File \"user_code.py\", line 3, in initialize " + "x" * 150,
            "SyntaxError: invalid syntax " + "中文" * 40]  # fmt: skip
    table = Table([("key", "字段"), ("value", "值")], [{"key": "error_logs", "value": logs}], wrap=True)
    text = render_table(table, width=70)
    assert all(display_width(line) <= 70 for line in text.splitlines())
    joined = "".join(part.strip() for part in text.splitlines()[2:])
    for line in logs:
        assert "".join(line.split()) in "".join(joined.split())  # every character is there, none cut
    assert any(row.endswith('  File "user_code.py", line 3, in initialize') for row in text.splitlines())  # indent kept


def test_terminal_width_prefers_columns_then_the_terminal_then_120() -> None:
    assert terminal_width(io.StringIO(), {"COLUMNS": "77"}) == 77
    assert terminal_width(io.StringIO(), {}) == 120
    assert terminal_width(io.StringIO(), {"COLUMNS": "junk"}) == 120


def test_table_mode_errors_show_their_details() -> None:
    details = {"name": "双均线", "candidates": [{"id": "a" * 32, "name": "双均线"}, {"id": "b" * 32, "name": "双均线"}]}
    text = render_error("usage_error", "有 2 个策略都叫「双均线」", {**details, "hint": "先改名"}, "table")
    first, *rest = text.splitlines()
    assert first == "错误[usage_error]: 有 2 个策略都叫「双均线」(提示: 先改名)"
    assert any("a" * 32 in line for line in rest) and any("b" * 32 in line for line in rest)


def test_ambiguous_name_lists_the_candidate_ids_in_table_mode(tmp_path) -> None:
    outcome = _sandbox(tmp_path, "strategy", "rm", "双均线策略", "--yes")
    assert outcome.code == 3
    ids = [c["id"] for c in _sandbox(tmp_path, "--format", "json", "strategy", "rm", "双均线策略", "--yes").error[
        "details"]["candidates"]]  # fmt: skip
    assert len(ids) == 2
    assert outcome.stderr.count("双均线策略") >= 3  # message, name field, two candidate rows


def test_backtest_result_is_a_summary_table_not_json(tmp_path) -> None:
    listed = _sandbox(tmp_path, "--format", "json", "backtest", "ls", "全天候ETF", "--limit", "1").json["items"][0]
    outcome = _sandbox(tmp_path, "backtest", "result", listed["id"])
    assert outcome.code == 0, outcome
    assert "{" not in outcome.stdout and '"time"' not in outcome.stdout
    assert "overallReturn" in outcome.stdout and "benchmark" in outcome.stdout and "点数" in outcome.stdout


def test_curve_summary_names_nested_and_record_curves() -> None:
    data = {"id": "1", "status": "done", "pages": 1, "next_offset": 2, "data": {
        "result": {"overallReturn": {"time": [1704124800000, 1704211200000], "value": [0.5, 1.5]},
                   "gains": {"earn": {"time": [1704124800000], "value": [3]}}},
        "userRecord": {"cash": {"time": [1704124800000], "value": [9]}}}}  # fmt: skip
    rows = {row["series"]: row for row in curve_summary(data).table.rows}
    assert rows["overallReturn"]["points"] == 2 and rows["overallReturn"]["last_value"] == 1.5
    assert rows["overallReturn"]["first"] == "2024-01-02" and rows["overallReturn"]["max"] == 1.5
    assert set(rows) == {"overallReturn", "gains.earn", "userRecord.cash"}


def test_community_detail_shows_the_post_body(tmp_path) -> None:
    latest = _sandbox(tmp_path, "--format", "json", "community", "latest", "--page-size", "3").json["items"]
    post = _sandbox(tmp_path, "--format", "json", "community", "detail", latest[-1]["id"]).json["post"]
    shown = _sandbox(tmp_path, "community", "detail", latest[-1]["id"], env={"COLUMNS": "60"})
    assert shown.code == 0
    body_lines = [line for line in post["content"].splitlines() if line.strip()]
    text = "".join(shown.stdout.split())
    assert post["title"] in shown.stdout
    assert all("".join(line.split()) in text for line in body_lines)
    assert all(display_width(line) <= 60 for line in shown.stdout.splitlines())


def test_html_bodies_become_text() -> None:
    from jqcli.entrypoints.textbody import body_text

    text = body_text("<p>第一段 &amp; 说明</p><ul><li>甲</li><li>乙</li></ul><script>x()</script><img src='a.png'>")
    assert text.splitlines()[0] == "第一段 & 说明" and "- 甲" in text and "x()" not in text and "[图片 a.png]" in text


def test_wait_progress_ticks_every_second_between_polls() -> None:
    shown: list = []
    clock = FakeClock(100.0)
    ticker = WaitTicker(shown.append, clock)
    ticker.progress("回测 1 状态 running,已等待 0 秒")
    ticker.sleep(3.5)
    assert clock.sleeps == [1.0, 1.0, 1.0, 0.5] and clock.t == 103.5
    assert shown == [f"回测 1 状态 running,已等待 {n} 秒" for n in (0, 1, 2, 3, 4)]


def test_wait_ticks_on_a_tty_only(tmp_path) -> None:
    argv = ["--sandbox", "--non-interactive", "backtest", "run", "全天候ETF", "--start", "2024-01-02"]
    argv += ["--end", "2024-01-31", "--wait", "--poll-interval", "1.2"]
    err = TtyText()
    code = run(argv, Stdio(FakeStdin(""), io.StringIO(), err), environ=_env(tmp_path), cwd=str(tmp_path))
    assert code == 0
    assert "已等待 1 秒" in err.getvalue()  # shown before the second poll (at 1.2 s)


@pytest.mark.parametrize("argv", [["strategy", "ls", "--all"], ["backtest", "ls", "全天候ETF", "--all"]])
def test_listings_show_page_progress_on_a_tty_unless_quiet(tmp_path, argv) -> None:
    err, out = TtyText(), io.StringIO()
    code = run(["--sandbox", *argv], Stdio(FakeStdin(""), out, err), environ=_env(tmp_path), cwd=str(tmp_path))
    assert code == 0 and "已读取 1 页" in err.getvalue()
    assert err.getvalue().endswith("\r\033[K")  # the line is cleared before the table
    quiet = TtyText()
    run(["--sandbox", "-q", *argv], Stdio(FakeStdin(""), io.StringIO(), quiet), environ=_env(tmp_path), cwd="/")
    assert quiet.getvalue() == ""
    piped = io.StringIO()
    run(["--sandbox", *argv], Stdio(FakeStdin(""), io.StringIO(), piped), environ=_env(tmp_path), cwd="/")
    assert piped.getvalue() == ""
