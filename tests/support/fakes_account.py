"""The account and run-ledger fakes live in ``tests/fakes.py``; this name stays for the tests that import it."""

from tests.fakes import ADDED, FakeAccount, FakeRunLedger

__all__ = ["ADDED", "FakeAccount", "FakeRunLedger"]
