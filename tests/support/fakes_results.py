"""``FakeBacktestResults``: a scripted ``BacktestResultsGateway`` that pages like the site (protocol.md §9.6)."""

from __future__ import annotations

import io
import zipfile
from typing import Dict, List, Optional, Tuple

from jqcli.application.ports import BacktestResultsGateway, ExportArchive, ExportIds
from jqcli.domain.errors import ApiError
from jqcli.domain.results import LEDGER_CAP, LedgerCursor, LedgerPage, RiskWindow, risk_ready, risk_table

RUN_ID = "run" + "0" * 29


def trade_rows(count: int) -> List[dict]:
    rows = []
    for i in range(count):
        day = f"2024-{1 + (i // 28) % 12:02d}-{1 + i % 28:02d}"
        rows.append(
            {"date": day, "tradeDate": day, "time": "09:30:00", "security": "000001.XSHE",
             "stock": "平安银行(000001.XSHE)", "transaction": "买" if i % 2 == 0 else "卖", "type": "市价单",
             "amount": str(100 * (i % 3)),
             "price": "10.5", "total": "展示(1,050.0)" if i % 2 else 1050.0, "gains": "", "commission": "5",
             "status": "全部成交", "orderAmount": 100}
        )  # fmt: skip
    return rows


def zip_of(members: Dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


class FakeBacktestResults:
    """Pages of 99/100 rows by ``offset`` (the site's cursor), an empty page at the end, ``max`` past the cap."""

    def __init__(self) -> None:
        self.ledgers: Dict[str, List[dict]] = {"transaction": trade_rows(322), "position": []}
        self.calls: List[tuple] = []
        self.risk_answers: List[object] = [{"alpha": [{"date": "2024-01", "1month": "0.1", "3month": "N/A"}]}]
        self.buttons = {"transaction": "btn-t", "position": "btn-p", "log": "btn-l"}
        self.statuses: List[str] = ["packing", "ready"]
        self.zip_members: Dict[str, bytes] = {"transaction.csv": "日期,时间\n2024-01-02,09:30\n".encode("gb18030")}
        self.credits_needed = False
        self.tasks_created = 0
        self.csv = "时间,基准收益\n2024-01-02,0.5\n".encode("gb18030")

    def export_ids(self, backtest_id: str) -> ExportIds:
        self.calls.append(("detail", backtest_id))
        return ExportIds(run_id=RUN_ID, buttons=dict(self.buttons))

    def ledger_page(self, kind: str, run_id: str, cursor: LedgerCursor) -> LedgerPage:
        self.calls.append(("ledger", kind, run_id, cursor.offset, cursor.date_offset))
        rows = self.ledgers[kind] if run_id == RUN_ID else []
        if cursor.offset >= LEDGER_CAP:
            return LedgerPage(rows=(), status="2", max=len(rows) > LEDGER_CAP)
        size = 99 if (cursor.offset // 99) % 2 == 0 else 100
        stop = min(cursor.offset + size, LEDGER_CAP, len(rows))
        return LedgerPage(rows=tuple(rows[cursor.offset : stop]), status="2", max=False)

    def risk(self, run_id: str) -> Optional[Dict[str, Tuple[RiskWindow, ...]]]:
        """``risk_answers`` are the site's ``data.risk`` values, read as the adapter reads them."""
        self.calls.append(("risk", run_id))
        risk = self.risk_answers.pop(0) if len(self.risk_answers) > 1 else self.risk_answers[0]
        return risk_table(risk) if risk_ready(risk) else None  # type: ignore[arg-type]

    def result_csv(self, export_id: str) -> bytes:
        self.calls.append(("csv", export_id))
        return self.csv

    def add_export(self, export_id: str, kind: str, *, use_credit: bool) -> str:
        self.calls.append(("add", export_id, kind, use_credit))
        if self.credits_needed and not use_credit:
            raise ApiError("导出需要确认消耗积分", details={"reason": "credits_required"})
        self.tasks_created += 1
        return f"task{self.tasks_created}"

    def export_status(self, task: str) -> str:
        self.calls.append(("status", task))
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def export_zip(self, task: str) -> ExportArchive:
        self.calls.append(("zip", task))
        data = zip_of(self.zip_members)
        return ExportArchive(data=data, members=dict(self.zip_members))

    def kinds_called(self, name: str) -> List[tuple]:
        return [c for c in self.calls if c[0] == name]


_: BacktestResultsGateway = FakeBacktestResults()
