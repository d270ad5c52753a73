"""The backtest-results fake lives in ``tests/fakes.py``; this name stays for the tests that import it."""

from tests.fakes import RUN_ID, FakeBacktestResults, trade_rows, zip_of

__all__ = ["RUN_ID", "FakeBacktestResults", "trade_rows", "zip_of"]
