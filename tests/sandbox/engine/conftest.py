"""Helpers: run a strategy through the engine in-process and read its outputs."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path
from typing import Any, Dict, List

import pytest

from jqcli.adapters.sandbox.site.engine.runner import run_job, weekdays_between

STRATEGIES = Path(__file__).parent / "strategies"


class Run:
    def __init__(self, result: Dict[str, Any], out_dir: Path) -> None:
        self.result = result
        self.out_dir = out_dir
        self.raw_events = (out_dir / "events.ndjson").read_bytes()
        self.raw_result = (out_dir / "result.json").read_bytes()
        self.events = [json.loads(line) for line in self.raw_events.decode("utf-8").splitlines()]

    def of(self, kind: str) -> List[Dict[str, Any]]:
        return [e for e in self.events if e["e"] == kind]

    @property
    def stats(self) -> Dict[str, Any]:
        return self.result["stats"]

    @property
    def logs(self) -> List[Dict[str, Any]]:
        return self.of("log")

    @property
    def messages(self) -> List[str]:
        return [e["msg"] for e in self.logs]

    @property
    def trades(self) -> List[Dict[str, Any]]:
        return self.of("trade")

    @property
    def filled(self) -> List[Dict[str, Any]]:
        return [t for t in self.trades if t["amount"]]

    @property
    def days(self) -> List[Dict[str, Any]]:
        return self.of("day")

    def positions(self, day: str) -> List[Dict[str, Any]]:
        return next(e["rows"] for e in self.of("positions") if e["date"] == day)


def job_for(
    code: str, out_dir: Path, start: str, end: str, capital: float = 1000000.0, frequency: str = "day", **extra: Any
) -> Dict[str, Any]:
    days = [d.isoformat() for d in weekdays_between(date.fromisoformat(start), date.fromisoformat(end))]
    return {
        "code": code,
        "start": start,
        "end": end,
        "capital": capital,
        "frequency": frequency,
        "trade_days": days,
        "out_dir": str(out_dir),
        **extra,
    }


@pytest.fixture
def run(tmp_path):
    counter = [0]

    def go(code: str, start: str = "2024-01-02", end: str = "2024-01-31", dedent: bool = True, **kw: Any) -> Run:
        counter[0] += 1
        out = tmp_path / f"run{counter[0]}"
        source = textwrap.dedent(code) if dedent else code
        result = run_job(job_for(source, out, start, end, **kw))
        return Run(result, out)

    return go
