"""The report in a real headless Chromium (Debian's ``chromium``): it renders, and its SVG has every series.

Built from fakes (no server): ``BuildReport`` on ``FakeBacktestGateway``/``FakeBacktestResults``, rendered
by ``render_report``, loaded from ``file://`` with networking off; ``--dump-dom`` gives the DOM after
parsing, ``--screenshot`` proves it paints.  Skipped, with the reason, where chromium is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from jqcli.application.results import BuildReport
from jqcli.entrypoints.report import render_report
from tests.support.fakes_results import RUN_ID, FakeBacktestResults
from tests.support.fakes_strategies import FakeBacktestGateway

pytestmark = pytest.mark.e2e

DAY = 86_400_000
BASE = 1546358400000  # 2019-01-02 00:00 Beijing


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("chromium is not installed (apt-get install -y chromium)")


def flags(tmp_path: Path) -> list:
    return [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip


def six_year_report(tmp_path: Path) -> Path:
    backtests, results = FakeBacktestGateway(), FakeBacktestResults()
    backtests.run_id = RUN_ID
    days = 1460
    times = [BASE + i * DAY for i in range(days)]
    strategy = [((i % 200) - 60) * 0.3 + i * 0.02 for i in range(days)]
    benchmark = [i * 0.01 for i in range(days)]
    backtests.result_pages = [
        {"offset": 0, "data": {"state": "2", "result": {"offset": 0, "count": days,
         "overallReturn": {"time": times, "value": strategy}, "benchmark": {"time": times, "value": benchmark}}}},
    ]  # fmt: skip
    results.ledgers["position"] = [
        {"date": "2024-12-31", "stock": "平安银行(000001.XSHE)", "amount": 100, "price": 10.0, "value": 1000.0},
        {"date": "2024-12-31", "stock": '<span class="label label-cash">Cash</span>', "value": 5.0},
    ]
    data = BuildReport(backtests, results).execute("given")
    path = tmp_path / "report.html"
    path.write_text(render_report(data, generated="2026-12-01 00:00:00 +0800"), encoding="utf-8")
    return path


class SeriesFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.series: dict = {}
        self.svgs = 0
        self.tables: list = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.svgs += 1
        if tag == "polyline" and "data-series" in a:
            self.series[a["data-series"]] = len((a.get("points") or "").split())
        if tag == "table" and "data-table" in a:
            self.tables.append(a["data-table"])


def test_report_renders_in_chromium_with_every_svg_series(tmp_path) -> None:
    browser = chromium()
    report = six_year_report(tmp_path)
    dom = subprocess.run(
        [browser, *flags(tmp_path), "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    finder = SeriesFinder()
    finder.feed(dom.stdout)
    assert finder.svgs == 2
    assert set(finder.series) == {"策略", "基准", "超额", "回撤"}
    assert all(count == 1200 for count in finder.series.values())  # 1460 days resampled to the cap
    assert {"settings", "metrics", "monthly", "first-trades", "last-trades", "positions"} <= set(finder.tables)
    shot = tmp_path / "shot.png"
    painted = subprocess.run(
        [browser, *flags(tmp_path), "--hide-scrollbars", "--window-size=1000,1400", f"--screenshot={shot}",
         report.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert painted.returncode == 0, painted.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
