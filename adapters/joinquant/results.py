"""``BacktestResultsGateway`` over the result and export endpoints (protocol.md §3.1, §9.6, §9.7).

``addExportZip`` is a GET with a side effect (it creates an export task, which may use the account's
free export entitlement or credits): it is sent once with the session's retry switched off and never
replayed.  Everything else here is an idempotent read.
"""

from __future__ import annotations

import io
import zipfile
from typing import Dict, Mapping, Optional, Tuple

from jqcli.adapters.http import HttpResponse
from jqcli.adapters.joinquant.backtest_pages import parse_backtest_detail
from jqcli.adapters.joinquant.html import attr, elements, parse_html
from jqcli.adapters.joinquant.paths import DETAIL_PATH
from jqcli.adapters.joinquant.session import JoinQuantSession, decode, excerpt
from jqcli.application.ports import ExportArchive, ExportIds
from jqcli.domain.errors import ApiError, NetworkError, NotFound
from jqcli.domain.results import LedgerCursor, LedgerPage, RiskWindow, risk_ready, risk_table

LEDGER_PATHS = {"transaction": "/algorithm/backtest/transactionInfo", "position": "/algorithm/backtest/positionInfo"}
RISK_PATH = "/algorithm/backtest/risk"
EXPORT_PATH = "/algorithm/backtest/export"
ADD_EXPORT_PATH = "/algorithm/backtest/addExportZip"
EXPORT_STATUS_PATH = "/algorithm/backtest/getExportStatus"
EXPORT_ZIP_PATH = "/algorithm/backtest/getExportZip"
CREDITS_CODE = "30000"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
BUTTON_KINDS = ("transaction", "position", "log")


def parse_export_ids(text: str, *, backtest_id: str) -> ExportIds:
    """The detail page's run id and its export buttons' ``backtestid`` by kind (§9.7).

    A button is any element carrying ``backtestid``; its kind is its ``type`` (``transaction``…), else
    ``_type``, else the ``export-<kind>-button`` id.
    """
    detail = parse_backtest_detail(text, backtest_id=backtest_id)
    buttons: Dict[str, str] = {}
    if not text.lstrip().startswith("{"):
        for node in elements(parse_html(text)):
            bid = attr(node, "backtestid").strip()
            if not bid:
                continue
            kinds = [attr(node, "type"), attr(node, "_type"), attr(node, "id").replace("export-", "").split("-")[0]]
            kind = next((k for k in kinds if k in BUTTON_KINDS), "")
            if kind and kind not in buttons:
                buttons[kind] = bid
    return ExportIds(run_id=detail.run_id, buttons=buttons)


class JoinQuantBacktestResults:
    """Implements ``BacktestResultsGateway``."""

    def __init__(self, session: JoinQuantSession) -> None:
        self.session = session

    def export_ids(self, backtest_id: str) -> ExportIds:
        try:
            text = self.session.get_text(DETAIL_PATH, {"backtestId": backtest_id})
        except NotFound as exc:
            message = f"回测 {backtest_id} 不存在(或不属于当前账号)"
            raise NotFound(message, details={**exc.details, "id": backtest_id}) from None
        return parse_export_ids(text, backtest_id=backtest_id)

    def ledger_page(self, kind: str, run_id: str, cursor: LedgerCursor) -> LedgerPage:
        params: Dict[str, object] = {"backtestId": run_id}
        if cursor.offset:  # the first call sends only backtestId (§9.6)
            params.update(offset=cursor.offset, dateOffset=cursor.date_offset)
        payload = self.session.get_json(LEDGER_PATHS[kind], params, auth="optional")
        action = "读取交易记录" if kind == "transaction" else "读取持仓记录"
        data = _data(payload, action, run_id)
        if data in (None, [], "", False, 0):
            return LedgerPage(rows=(), status=None, max=False)
        if not isinstance(data, Mapping):
            raise ApiError(f"{action}:响应的 data 不是对象", details={"id": run_id, "response": payload})
        rows = data.get(kind) or []
        if not isinstance(rows, list):
            raise ApiError(f"{action}:响应缺少 data.{kind} 列表", details={"id": run_id, "response": payload})
        return LedgerPage(
            rows=tuple(row for row in rows if isinstance(row, Mapping)),
            status=data.get("status"),
            max=data.get("max") in (True, 1, "1", "true"),
        )

    def risk(self, run_id: str) -> Optional[Dict[str, Tuple[RiskWindow, ...]]]:
        payload = self.session.get_json(RISK_PATH, {"backtestId": run_id}, auth="optional")
        data = _data(payload, "读取风险指标", run_id)
        risk = data.get("risk") if isinstance(data, Mapping) else None
        return risk_table(risk) if isinstance(risk, Mapping) and risk_ready(risk) else None

    def result_csv(self, export_id: str) -> bytes:
        response = self.session.request("GET", EXPORT_PATH, params={"backtestId": export_id, "type": "result"})
        body = response.body
        if body.lstrip()[:1] in (b"{", b"<"):
            self._refused(response, EXPORT_PATH, "导出收益 CSV")
        return body

    def add_export(self, export_id: str, kind: str, *, use_credit: bool) -> str:
        params = {"backtestId": export_id, "type": kind, "useCredit": 1 if use_credit else 0}
        try:
            payload = self.session.get_json(ADD_EXPORT_PATH, params, retry=False)
        except (NetworkError, ApiError) as exc:
            exc.details["hint"] = (
                "创建导出任务的请求不会重试(可能已创建并计入导出次数);稍后重新运行会新建任务,请先确认是否需要"
            )
            raise
        if str(payload.get("code", "")).strip() == CREDITS_CODE:
            raise ApiError(
                "导出需要确认消耗积分(免费导出次数已用完)",
                details={"reason": "credits_required", "code": payload.get("code"), "data": payload.get("data")},
                hint="如确认消耗积分导出,请加 --use-credit --yes 重新运行",
            )
        data = _data(payload, "创建导出任务", export_id)
        task = str(data if isinstance(data, (str, int)) and not isinstance(data, bool) else "").strip()
        if not task:
            raise ApiError("创建导出任务的响应里没有任务 id", details={"id": export_id, "response": payload})
        return task

    def export_status(self, task: str) -> str:
        payload = self.session.get_json(EXPORT_STATUS_PATH, {"task": task})
        data = _data(payload, "查询导出状态", task)
        text = str(data).strip().lower() if data is not None else ""
        if text in ("1",):
            return "ready"
        if text in ("2",):
            return "empty"
        if text in ("", "false", "0", "none"):
            return "packing"
        raise ApiError(f"未知的导出状态: {data!r}", details={"task": task, "response": payload})

    def export_zip(self, task: str) -> ExportArchive:
        response = self.session.request("GET", EXPORT_ZIP_PATH, params={"task": task})
        body = response.body
        if not body.startswith(ZIP_MAGIC):
            self._refused(response, EXPORT_ZIP_PATH, "下载导出文件")
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                members = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ApiError("下载的导出文件不是完整的 zip", details={"task": task, "reason": str(exc)}) from exc
        return ExportArchive(data=body, members=members)

    def _refused(self, response: HttpResponse, path: str, action: str) -> None:
        """A JSON or HTML answer where a file was expected: an expired session, or the site's refusal."""
        payload = self.session.parse_json(response, path)  # raises NotAuthenticated / ApiError for pages
        message = str(payload.get("msg") or payload.get("code") or "").strip() or "没有返回文件"
        raise ApiError(
            f"{action}失败:{message}",
            details={"path": path, "code": payload.get("code"), "body_excerpt": excerpt(decode(response))},
        )


def _data(payload: Mapping[str, object], action: str, ident: str) -> Optional[object]:
    from jqcli.adapters.joinquant.wire import require_success

    return require_success(payload, action=action, details={"id": ident})
