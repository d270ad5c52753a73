"""Contract: the verdict and the comparison read through the real adapter from recorded traffic.

The endpoints are the ones of ``test_backtests`` (detail, result, error, log, source, stats); these
cassettes pin what a runtime failure's error and user log look like on the wire, and that
``JudgeRun``/``CompareRuns`` read them: the user's frame, line and function, the simulated day.
"""

from __future__ import annotations

from jqcli.application.compare_runs import CompareRuns
from jqcli.application.verdicts import JudgeRun, LocalSource
from tests.contract.test_backtests import GOOD_CODE, gateways, start  # noqa: F401 - the fixture

RUNTIME_CODE = (
    "def initialize(context):\n"
    "    g.n = 0\n"
    "    run_daily(step, time='every_bar')\n"
    "\n"
    "\n"
    "def step(context):\n"
    "    g.n += 1\n"
    "    if g.n == 2:\n"
    "        {}['000001.XSHE']\n"
)


def test_verdict_of_a_runtime_error_from_the_error_and_user_logs(gateways) -> None:  # noqa: F811
    _, build = start(gateways, "契约-运行错误", RUNTIME_CODE)
    judged = JudgeRun(gateways[1]).execute(build.id, local=LocalSource("mine.py", RUNTIME_CODE))
    assert judged.status == "failed" and judged.verdict.verdict == "runtime_error"
    (error,) = judged.verdict.errors
    assert (error.exception, error.message, error.file, error.line, error.func) == (
        "KeyError", "'000001.XSHE'", "mine.py", 9, "step",
    )  # fmt: skip
    assert error.source_line == "        {}['000001.XSHE']" and error.sim_time.startswith("2024-01-03")
    assert judged.file_matches_run is True and judged.log_complete


def test_compare_reads_settings_metrics_and_source_of_two_runs(gateways) -> None:  # noqa: F811
    _, first = start(gateways, "契约-对比一", GOOD_CODE)
    _, second = start(gateways, "契约-对比二", GOOD_CODE.replace("hello 契约", "你好 契约"))
    comparison = CompareRuns(gateways[1]).execute([first.id, second.id])
    assert [run.status for run in comparison.runs] == ["done", "done"]
    assert comparison.runs[0].settings["start_date"] == "2024-01-02" and comparison.runs[0].settings["capital"]
    assert {m.key for m in comparison.metrics} >= {"sharpe", "max_drawdown", "algorithm_return"}
    assert "+    log.info('你好 契约')" in comparison.source_diffs[0].diff
