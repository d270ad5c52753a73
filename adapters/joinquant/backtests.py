"""``BacktestGateway`` over the JoinQuant backtest endpoints (protocol.md §2.8–2.16)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple

from jqcli.adapters.joinquant.backtest_pages import parse_backtest_detail, parse_backtest_list
from jqcli.adapters.joinquant.paging import follow_pages
from jqcli.adapters.joinquant.paths import DETAIL_PATH
from jqcli.adapters.joinquant.session import JoinQuantSession
from jqcli.adapters.joinquant.wire import converter, is_success, lenient_int, require_success
from jqcli.domain.backtest import BacktestRow, Mode
from jqcli.domain.errors import ApiError, NotFound

if TYPE_CHECKING:  # the editor, the curve pages and the wire classes are imported by the calls that use them
    from jqcli.domain.backtest_build import BacktestRequest, BuildResult
    from jqcli.domain.backtest_detail import BacktestDetail, LogPage
    from jqcli.domain.curves import CurvePage, StatsPage
    from jqcli.domain.strategy import StrategyDetail

BUILD_PATH = "/algorithm/index/build"
LIST_PATHS = {"backtest": "/algorithm/backtest/list", "compile": "/algorithm/backtest/buildList"}
DEL_PATH = "/algorithm/backtest/del"
SOURCE_PATH = "/algorithm/backtest/source"
STATS_PATH = "/algorithm/backtest/stats"
RESULT_PATH = "/algorithm/backtest/result"
LOG_PATH = "/algorithm/backtest/log"
ERROR_PATH = "/algorithm/backtest/error"
MAX_PAGES = 100


def capital_text(capital: float) -> str:
    """``backtest[baseCapital]`` the way the verified client sent it: ``str(float)`` (``"1000000.0"``)."""
    return str(float(capital))


class JoinQuantBacktestGateway:
    """Implements ``BacktestGateway``."""

    def __init__(self, session: JoinQuantSession) -> None:
        self.session = session

    def build(
        self, request: BacktestRequest, *, on_send: Optional[Callable[[StrategyDetail], None]] = None
    ) -> BuildResult:
        from jqcli.adapters.joinquant.backtest_wire import BuildData
        from jqcli.adapters.joinquant.editor import edit_referer, load_editor
        from jqcli.adapters.joinquant.pages import encode_code
        from jqcli.domain.backtest_build import BuildResult, build_refusal

        page = load_editor(self.session, request.strategy_id)
        fields = dict(page.form)
        overrides = [
            ("algorithm[algorithmId]", page.detail.save_id),
            ("algorithm[code]", encode_code(page.detail.code)),
            ("encrType", "base64"),
            ("backtest[type]", request.mode.wire_type),
            ("backtest[startTime]", f"{request.start} 00:00:00"),
            ("backtest[endTime]", f"{request.end} 23:59:59"),
            ("backtest[frequency]", request.frequency),
            ("backtest[pyVersion]", fields.get("backtest[pyVersion]") or "3"),
            ("ajax", "1"),
        ]
        if request.capital is not None:
            overrides.append(("backtest[baseCapital]", capital_text(request.capital)))
        elif not fields.get("backtest[baseCapital]"):
            overrides.append(("backtest[baseCapital]", capital_text(100000)))
        if page.token:
            overrides.append(("token", page.token))
        if request.use_credit:  # only ever sent on --use-credit
            overrides.append(("useCredit", "1"))
        if on_send is not None:  # the run ledger records the build now, before the POST goes out
            on_send(page.detail)
        try:
            payload = self.session.post_json(
                BUILD_PATH, page.form_with(overrides), referer=edit_referer(request.strategy_id)
            )
        except ApiError as exc:
            exc.details.setdefault("hint", "创建回测的请求不会重试;请先用 backtest ls 确认是否已创建,再决定是否重试")
            raise
        if not is_success(payload):
            raise build_refusal(
                str(payload.get("msg") or payload.get("code") or ""),
                {
                    "code": payload.get("code"),
                    "status": payload.get("status"),
                    "msg": payload.get("msg"),
                    "response": payload,
                },
            )
        raw = payload.get("data")
        data = converter().structure(raw, BuildData) if isinstance(raw, dict) else BuildData()
        if not (data.backtestId or data.backtestId_):
            raise ApiError("创建回测的响应里没有回测 id", details={"response": payload})
        return BuildResult(
            id=data.backtestId_ or data.backtestId, list_id=data.backtestId, save_id=data.algorithmId, response=payload
        )

    def list_backtests(self, strategy_id: str, mode: Mode, *, read_ahead: int = 1) -> Iterator[BacktestRow]:
        path = LIST_PATHS[mode.name]

        def fetch(number: int) -> Tuple[List[BacktestRow], int]:
            params: Dict[str, object] = {"algorithmId": strategy_id, **({"page": number} if number > 1 else {})}
            return parse_backtest_list(self.session.get_text(path, params), path=path)

        pages = follow_pages(
            fetch, lambda page: page[1], lambda page: bool(page[0]), max_pages=MAX_PAGES, workers=read_ahead
        )
        for rows, _ in pages:
            yield from rows

    def detail(self, backtest_id: str) -> BacktestDetail:
        try:
            text = self.session.get_text(DETAIL_PATH, {"backtestId": backtest_id})
        except NotFound as exc:
            message = f"回测 {backtest_id} 不存在(或不属于当前账号)"
            raise NotFound(message, details={**exc.details, "id": backtest_id}) from None
        return parse_backtest_detail(text, backtest_id=backtest_id)

    def source(self, backtest_id: str) -> str:
        payload = self.session.get_json(SOURCE_PATH, {"backtestId": backtest_id})
        data = _require(payload, action="读取回测源码", details={"id": backtest_id})
        if not isinstance(data, dict) or not isinstance(data.get("source"), str):
            raise ApiError("回测源码响应缺少 data.source", details={"id": backtest_id, "response": payload})
        return data["source"]

    def stats(self, backtest_id: str) -> StatsPage:
        payload = self.session.get_json(STATS_PATH, {"backtestId": backtest_id}, auth="optional")
        _require(payload, action="读取回测指标", details={"id": backtest_id})
        from jqcli.domain.curves import StatsPage

        return StatsPage.of(payload)

    def result(self, backtest_id: str, *, offset: int = 0, user_record_offset: int = 0) -> CurvePage:
        params = {"backtestId": backtest_id, "offset": offset, "userRecordOffset": user_record_offset}
        payload = self.session.get_json(RESULT_PATH, params, auth="optional")
        _require(payload, action="读取回测收益曲线", details={"id": backtest_id})
        from jqcli.domain.curves import CurvePage

        return CurvePage.of(payload)

    def log(self, backtest_id: str, *, offset: int = 0) -> LogPage:
        payload = self.session.get_json(LOG_PATH, {"backtestId": backtest_id, "offset": offset})
        return _log_page(payload, "读取回测日志", backtest_id)

    def error_log(self, backtest_id: str) -> LogPage:
        payload = self.session.get_json(ERROR_PATH, {"backtestId": backtest_id})
        return _log_page(payload, "读取错误日志", backtest_id)

    def delete(self, list_id: str, mode: Mode) -> Dict[str, object]:
        form = [("backtestId", list_id), ("algorithmId", ""), ("ajax", "1")]
        payload = self.session.post_json(DEL_PATH, form, {"type": mode.wire_type}, referer=LIST_PATHS[mode.name])
        _require(payload, action="删除回测记录", details={"list_id": list_id, "mode": mode.name, "response": payload})
        return payload


# How the site (and the sandbox) answer an id that names no backtest of this account:
# code 20000 with 「回测不存在或访问受限」 (data endpoints) or 「回测不存在或已删除」 (/backtest/del).
MISSING_MARKERS = ("不存在", "已删除", "已被删除")


def _require(payload: Mapping[str, object], *, action: str, details: Dict[str, object]) -> Any:
    """``require_success``, with the site's "no such backtest" refusal as ``NotFound``."""
    try:
        return require_success(payload, action=action, details=details)
    except ApiError as exc:
        msg = str(exc.details.get("msg") or "")
        if any(marker in msg for marker in MISSING_MARKERS):
            target = details.get("id") or details.get("list_id")
            raise NotFound(
                f"{action}失败:回测 {target} 不存在(或不属于当前账号)",
                details=exc.details,
                hint="用 jqcli backtest ls <策略> 查看现有回测的 id",
            ) from None
        raise


def _log_page(payload: Mapping[str, object], action: str, backtest_id: str) -> LogPage:
    from jqcli.domain.backtest_detail import LogPage

    data = _require(payload, action=action, details={"id": backtest_id})
    if data in (None, [], ""):
        return LogPage(lines=(), response=payload)
    if not isinstance(data, dict) or not isinstance(data.get("logArr") or [], list):
        raise ApiError(f"{action}:响应缺少 data.logArr", details={"id": backtest_id, "response": payload})
    from jqcli.adapters.joinquant.backtest_wire import LogData

    page = converter().structure({**data, "logArr": data.get("logArr") or []}, LogData)
    return LogPage(
        lines=tuple(page.logArr),
        state=page.state,
        offset=None if page.offset in (None, "") else lenient_int(page.offset),
        max=page.max,
        response=payload,
    )
