"""Parse throughput benchmark: the strategy list and backtest history pages through jqcli's own parsers.

    .venv/bin/python tests/bench/parse_throughput.py            # 200 parses per page
    .venv/bin/python tests/bench/parse_throughput.py --smoke    # 5 parses per page; asserts nothing about time

Starts ``jqcli sandbox serve`` (instant backtests), fills one list page of
strategies and one history page of formal backtests through the site, fetches
each page once, then times ``parse_strategy_list`` and ``parse_backtest_list``
from ``jqcli.adapters.joinquant.pages`` on those bytes, in this process.  Also
times ``parse_html`` alone (html5lib tree building) to show how much of each
parse it is.  Prints page size, median ms per parse and KB/ms.
Target (stated, not asserted): ≥ 1 KB/ms for each page's full parse.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.command_overhead import start_populated  # noqa: E402

TARGET_KB_PER_MS = 1.0


def median_ms(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    runs = 5 if args.smoke else args.runs
    from jqcli.adapters.joinquant.backtest_pages import parse_backtest_list
    from jqcli.adapters.joinquant.html import parse_html
    from jqcli.adapters.joinquant.pages import parse_strategy_list
    from jqcli.adapters.joinquant.paths import HISTORY_PATH as HPATH
    from jqcli.adapters.joinquant.paths import LIST_PATH

    with tempfile.TemporaryDirectory() as home:
        # ≥ one full page of each list
        server, site, strategy_id = start_populated(
            os.path.join(home, "parse.sqlite3"), posts=50, strategies=20, backtests=20
        )
        try:
            status, list_page = site.request("GET", LIST_PATH)
            if status != 200:
                raise RuntimeError(f"{LIST_PATH} answered {status}")
            site.request("GET", f"{HPATH}?algorithmId={strategy_id}")  # the list lags one read behind
            status, history_page = site.request("GET", f"{HPATH}?algorithmId={strategy_id}")
            if status != 200:
                raise RuntimeError(f"{HPATH} answered {status}")
        finally:
            server.stop()
    list_html, history_html = list_page.decode("utf-8"), history_page.decode("utf-8")
    listed = parse_strategy_list(list_html)
    strategies = listed.strategies + listed.folders  # a full page: 10 rows, the demo folder first
    rows, _ = parse_backtest_list(history_html, path=HPATH)
    if len(strategies) < 10 or len(rows) < 20:
        raise RuntimeError(f"pages too short: {len(strategies)} strategies, {len(rows)} backtest rows")
    cases = [
        ("strategy list", list_page, len(strategies), lambda: parse_strategy_list(list_html)),
        ("  html5lib tree only", list_page, None, lambda: parse_html(list_html)),
        ("backtest history list", history_page, len(rows), lambda: parse_backtest_list(history_html, path=HPATH)),
        ("  html5lib tree only", history_page, None, lambda: parse_html(history_html)),
    ]
    for _, _, _, fn in cases:  # warm-up
        fn()
    print(f"{'page':<24} {'KB':>7} {'rows':>5} {'ms/parse':>9} {'KB/ms':>7} {'target':>8}  status")
    for name, body, count, fn in cases:
        ms = median_ms(fn, runs)
        kb = len(body) / 1024
        rate = kb / ms
        full = count is not None
        status = ("met" if rate >= TARGET_KB_PER_MS else "NOT MET") if full else "(part)"
        target = f"≥{TARGET_KB_PER_MS:g}" if full else ""
        print(f"{name:<24} {kb:>7.1f} {count or '':>5} {ms:>9.2f} {rate:>7.2f} {target:>8}  {status}")
    print(f"(median of {runs} parses each; {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
