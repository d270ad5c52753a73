"""The strategy and backtest fakes live in ``tests/fakes.py``; this name stays for the tests that import it."""

from tests.fakes import FakeBacktestGateway, FakeClock, FakeStrategyGateway, new_id

__all__ = ["FakeBacktestGateway", "FakeClock", "FakeStrategyGateway", "new_id"]
