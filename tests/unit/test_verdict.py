"""Verdicts from the site's traceback and log text (protocol.md §9.1)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jqcli.domain.verdict import VERDICTS, judge, parse_errors, split_entries, trade_count

RUNTIME = [
    "Traceback (most recent call last):\n"
    '  File "/tmp/jqcore/jqboson/jqboson/core/entry.py", line 379, in _run\n'
    "    engine.start()\n"
    '  File "/tmp/strategy/user_code.py", line 12, in handle_data\n'
    "    price = prices[security]\n"
    '  File "/tmp/strategy/user_code.py", line 30, in pick\n'
    "    return table[code]\n"
    "KeyError: '002652.XSHE'"
]
USER_LOG = [
    "2024-01-02 09:30:00 - INFO - 开始",
    "2024-01-03 09:30:00 - ERROR - Traceback (most recent call last):",
    '  File "/tmp/strategy/user_code.py", line 7, in handle_data',
    "    x = undefined_name",
    "NameError: name 'undefined_name' is not defined",
]
SYNTAX = ['  File "user_code.py", line 101\n    if x\n       ^\nSyntaxError: invalid syntax']


def test_the_deepest_user_frame_locates_a_runtime_error_and_platform_frames_are_dropped() -> None:
    (error,) = parse_errors(RUNTIME)
    assert (error.exception, error.message) == ("KeyError", "'002652.XSHE'")
    assert (error.file, error.line, error.func, error.phase) == ("/tmp/strategy/user_code.py", 30, "pick", "pick")
    assert [f.line for f in error.frames] == [12, 30]


def test_a_user_log_traceback_carries_its_simulated_time() -> None:
    (error,) = parse_errors(USER_LOG)
    assert (error.exception, error.line, error.func, error.sim_time) == (
        "NameError",
        7,
        "handle_data",
        "2024-01-03 09:30:00",
    )
    assert judge("failed", log_lines=USER_LOG).verdict == "runtime_error"


def test_a_syntax_error_is_a_compile_error_at_its_line() -> None:
    verdict = judge("failed", error_entries=SYNTAX)
    assert verdict.verdict == "compile_error"
    (error,) = verdict.errors
    assert (error.phase, error.line, error.func, error.message) == ("compile", 101, "", "invalid syntax")


def test_a_bare_syntax_error_entry_without_frames_is_still_a_compile_error() -> None:
    assert (
        judge("failed", error_entries=["SyntaxError: invalid syntax (user_code.py, line 3)"]).verdict == "compile_error"
    )


def test_an_import_at_module_level_is_an_import_error_with_the_chinese_message_verbatim() -> None:
    entry = (
        'Traceback (most recent call last):<br/>  File "/tmp/strategy/user_code.py", line 2, in <module><br/>'
        "    import jqmt<br/>ModuleNotFoundError: 导入错误，未找到系统库或自定义库 jqmt"
    )
    verdict = judge("failed", error_entries=[entry])
    assert verdict.verdict == "import_error"
    assert verdict.errors[0].message == "导入错误，未找到系统库或自定义库 jqmt"
    assert verdict.errors[0].line == 2


def test_the_simulated_time_can_come_from_current_dt_in_the_message() -> None:
    entry = (
        "jqdata.exceptions.FutureDataError: avoid_future_data=True，不能取未来数据, current_dt=2022-01-04 09:35:00, end"
    )
    (error,) = parse_errors([entry])
    assert error.exception == "jqdata.exceptions.FutureDataError" and error.sim_time == "2022-01-04 09:35:00"


def test_a_local_file_names_its_path_and_carries_the_text_of_the_line() -> None:
    code = "\ufeff" + "\n".join(f"line {n}" for n in range(1, 40))
    error = judge("failed", error_entries=RUNTIME).at_local_file("strategies/mine.py", code).errors[0]
    assert (error.file, error.line, error.source_line) == ("strategies/mine.py", 30, "line 30")
    assert {f.file for f in error.frames} == {"strategies/mine.py"}


def test_finished_runs_are_judged_by_their_log_and_trades() -> None:
    warn = ["2024-01-05 09:30:00 - WARNING - 下单失败：000001.XSHE 涨停，不能买入"]
    assert judge("done", log_lines=warn, trades=3).verdict == "order_warnings"
    assert judge("done", log_lines=warn, trades=3).warnings == 1
    assert judge("done", log_lines=["2024-01-05 09:30:00 - INFO - 涨停板策略启动"], trades=0).verdict == "no_trades"
    assert judge("done", trades=5).verdict == "ok"
    assert judge("done").verdict == "ok"  # trades unknown: never concluded to be none
    assert judge("cancelled").verdict == "cancelled"
    assert judge("failed", error_entries=["回测超时：超过 120 秒"]).verdict == "timeout"
    assert judge("running", timed_out=True).verdict == "timeout"


def test_the_last_exception_of_a_chain_decides() -> None:
    chain = RUNTIME + ["During handling of the above exception, another exception occurred:"] + SYNTAX
    verdict = judge("failed", error_entries=chain)
    assert [e.exception for e in verdict.errors] == ["KeyError", "SyntaxError"]
    assert verdict.verdict == "compile_error"


def test_trade_count_reads_the_result_orders() -> None:
    assert trade_count({"buy": {"value": [1, "2", 0]}, "sell": {"value": [-3]}}) == 6
    assert trade_count({}) is None


@given(st.lists(st.text(max_size=80), max_size=12), st.sampled_from(["done", "failed", "cancelled", "running", "x"]))
def test_any_text_gives_one_of_the_verdicts(entries, status) -> None:
    verdict = judge(status, error_entries=entries, log_lines=entries, trades=0)
    assert verdict.verdict in VERDICTS
    assert len(split_entries(entries)) >= len(entries)
