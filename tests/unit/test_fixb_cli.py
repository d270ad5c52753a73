"""The command side of ``backtest cancel``, ``account quota`` and ``backtest history`` (issue 13 items 3, 4, 6)."""

from __future__ import annotations

import pytest

from jqcli.application.cancel import CancelOutcome, Observation
from jqcli.application.ports_account import CancelTarget
from jqcli.entrypoints import bootstrap
from tests.support.clirun import run_cli


def env(tmp_path) -> dict:
    return {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "c")}


class StubCancel:
    def __init__(self, confirmed: bool) -> None:
        self.confirmed = confirmed
        self.calls: list = []

    def execute(self, backtest_id: str, *, verify_timeout: float) -> CancelOutcome:
        self.calls.append((backtest_id, verify_timeout))
        after = Observation(status="cancelled" if self.confirmed else "running", listed_running=not self.confirmed)
        return CancelOutcome(
            target=CancelTarget(given=backtest_id, run_id="r" * 32, token="t", name="均线"),
            accepted=True,
            confirmed=self.confirmed,
            before=Observation(status="running"),
            after=after,
            checks=3,
            waited=30.0,
            response={"code": "00000", "status": "0", "data": None},
        )


@pytest.fixture
def stub(monkeypatch):
    def install(confirmed: bool) -> StubCancel:
        stub = StubCancel(confirmed)
        monkeypatch.setattr(bootstrap.Services, "cancel_backtest", lambda self: stub)
        return stub

    return install


def test_cancel_without_yes_in_non_interactive_mode_needs_confirmation_and_sends_nothing(tmp_path, stub) -> None:
    cancel = stub(True)
    outcome = run_cli(["--format", "json", "--non-interactive", "backtest", "cancel", "55544646"], env=env(tmp_path))
    assert outcome.code == 7 and outcome.error["code"] == "confirmation_required"
    assert cancel.calls == []


def test_a_confirmed_cancel_exits_0(tmp_path, stub) -> None:
    cancel = stub(True)
    argv = ["--format", "json", "backtest", "cancel", "55544646", "--yes", "--verify-timeout", "12"]
    outcome = run_cli(argv, env=env(tmp_path))
    assert outcome.code == 0, outcome
    assert outcome.json["confirmed"] is True and outcome.json["status"] == "cancelled"
    assert cancel.calls == [("55544646", 12.0)]


def test_an_accepted_but_unconfirmed_cancel_is_printed_and_exits_10(tmp_path, stub) -> None:
    stub(False)
    outcome = run_cli(["--format", "json", "backtest", "cancel", "55544646", "-y"], env=env(tmp_path))
    assert outcome.code == 10
    assert outcome.json["accepted"] is True and outcome.json["confirmed"] is False
    assert outcome.json["listed_running"] is True and "不会重发" in outcome.stderr


def test_history_of_a_corrupt_ledger_warns_and_lists_nothing(tmp_path) -> None:
    folder = tmp_path / "data" / "jqcli"
    folder.mkdir(parents=True)
    (folder / "runs.sqlite3").write_bytes(b"garbage" * 500)
    outcome = run_cli(["--format", "json", "backtest", "history"], env=env(tmp_path))
    assert outcome.code == 0, outcome
    assert outcome.json == {"items": []} and "已损坏" in outcome.stderr and "Traceback" not in outcome.stderr
    assert any(p.name.startswith("runs.sqlite3.corrupt-") for p in folder.iterdir())


def test_history_refuses_an_inverted_date_range(tmp_path) -> None:
    argv = ["--format", "json", "backtest", "history", "--since", "2026-12-02", "--until", "2026-12-01"]
    outcome = run_cli(argv, env=env(tmp_path))
    assert outcome.code == 3 and outcome.error["code"] == "usage_error"


def test_history_in_a_folder_that_cannot_hold_the_ledger_is_a_file_error(tmp_path) -> None:
    (tmp_path / "data").write_text("a file where the data folder should be", "utf-8")
    outcome = run_cli(["--format", "json", "backtest", "history"], env=env(tmp_path))
    assert outcome.code == 6 and outcome.error["code"] == "file_error"


def test_account_quota_and_cancel_are_in_the_completion_script(tmp_path) -> None:
    outcome = run_cli(["completion", "bash"], env=env(tmp_path))
    assert outcome.code == 0
    for word in ("account", "quota", "cancel", "history", "--reuse", "--verify-timeout", "--no-quota-check"):
        assert word in outcome.stdout, word
