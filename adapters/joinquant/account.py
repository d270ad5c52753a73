"""``AccountGateway`` over statistics, isLogin, the detail page, cancel and runTimeInfo (protocol.md §3.1, §9.2, §9.3).

The cancel is a POST: the session never retries a POST, and nothing here sends it twice.
"""

from __future__ import annotations

from typing import Dict, Mapping, Optional, Tuple

from jqcli.adapters.joinquant.backtest_pages import parse_backtest_detail
from jqcli.adapters.joinquant.html import extract_page_token
from jqcli.adapters.joinquant.paths import DETAIL_PATH
from jqcli.adapters.joinquant.session import JoinQuantSession
from jqcli.adapters.joinquant.wire import is_success, lenient_int, require_success
from jqcli.application.ports_account import CancelTarget, RunTimes
from jqcli.domain.errors import ApiError, NotFound
from jqcli.domain.quota import Quota, parse_statistics

STATISTICS_PATH = "/algorithm/index/statistics"
CANCEL_PATH = "/algorithm/index/cancel"
RUN_TIME_PATH = "/algorithm/backtest/runTimeInfo"
IS_LOGIN_PATH = "/user/index/isLogin"
NOT_CANCELLABLE = "在此状态不能取消"


class JoinQuantAccount:
    """Implements ``AccountGateway``."""

    def __init__(self, session: JoinQuantSession) -> None:
        self.session = session

    def statistics(self) -> Tuple[Quota, Mapping[str, object]]:
        payload = self.session.get_json(STATISTICS_PATH)
        data = require_success(payload, action="读取回测配额", details={"path": STATISTICS_PATH})
        return parse_statistics(data), payload

    def vip_type(self) -> Optional[str]:
        payload = self.session.get_json(IS_LOGIN_PATH)
        data = payload.get("data")
        value = data.get("vipType") if isinstance(data, dict) else None
        return str(value) if value not in (None, "") else None

    def cancel_target(self, backtest_id: str) -> CancelTarget:
        try:
            text = self.session.get_text(DETAIL_PATH, {"backtestId": backtest_id})
        except NotFound as exc:
            message = f"回测 {backtest_id} 不存在(或不属于当前账号)"
            raise NotFound(message, details={**exc.details, "id": backtest_id}) from None
        detail = parse_backtest_detail(text, backtest_id=backtest_id)
        if not detail.run_id:
            raise ApiError(
                "回测详情页没有运行 id(#backtestId),无法取消",
                details={"id": backtest_id, "path": DETAIL_PATH},
            )
        return CancelTarget(given=backtest_id, run_id=detail.run_id, token=extract_page_token(text), name=detail.name)

    def cancel(self, target: CancelTarget) -> Mapping[str, object]:
        form = [("backtestId", target.run_id)]
        if target.token:
            form.append(("token", target.token))
        form.append(("ajax", "1"))
        payload = self.session.post_json(
            CANCEL_PATH, form, referer=f"{DETAIL_PATH}?backtestId={target.given}"
        )  # a POST: sent once, never retried
        if is_success(payload):
            return payload
        msg = str(payload.get("msg") or payload.get("code") or "")
        details: Dict[str, object] = {"id": target.given, "run_id": target.run_id, "msg": msg, "response": payload}
        if NOT_CANCELLABLE in msg:
            raise ApiError(
                f"聚宽拒绝取消:{msg}(回测已结束,或是无法取消的残留记录)",
                details={**details, "reason": "not_cancellable"},
                hint=f"用 jqcli backtest show {target.given} 查看状态,用 jqcli account quota 查看正在运行的回测",
            )
        if "不存在" in msg:
            raise NotFound(f"取消失败:回测 {target.given} 不存在(或不属于当前账号)", details=details)
        raise ApiError(
            f"取消回测失败:{msg or '未知原因'}",
            details=details,
            hint="取消请求不会自动重试;先用 jqcli backtest show 确认状态,再决定是否重新取消",
        )

    def run_times(self, run_id: str) -> RunTimes:
        payload = self.session.get_json(RUN_TIME_PATH, {"backtestId": run_id}, auth="optional")
        data = require_success(payload, action="读取回测运行时间", details={"id": run_id})
        info: Mapping[str, object] = data if isinstance(data, Mapping) else {}
        until = info.get("untilNowSec")
        return RunTimes(
            status=info.get("status"),
            added_at=str(info.get("addTime") or ""),
            cancel_time=str(info.get("cancelTime") or ""),
            until_now_seconds=lenient_int(until) if until not in (None, "") else None,
            response=payload,
        )
