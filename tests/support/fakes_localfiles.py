"""The local strategy files fake lives in ``tests/fakes.py``; this name stays for the tests that import it."""

from tests.fakes import MemoryStrategyFiles

__all__ = ["MemoryStrategyFiles"]
