"""The route table: every path the sandbox answers (protocol.md §2, §3.1 cancel).

``kind`` decides how a missing or expired session is answered (pages: 302 to
the login page; JSON: the ``10001`` envelope); ``auth`` is ``full`` (PHPSESSID
+ token), ``community`` (a lone ``token`` cookie suffices) or ``optional``
(the view decides); ``write`` marks endpoints that change state (faults).
Read endpoints accept GET and POST alike.
"""

from __future__ import annotations

from typing import Dict

from jqcli.adapters.sandbox.site import (
    auth_views,
    backtest_views,
    build,
    clone_views,
    community_views,
    export_views,
    ledger_views,
    strategy_views,
)
from jqcli.adapters.sandbox.site.kernel import Route

ROUTES: Dict[str, Route] = {
    "/user/login/index": Route(auth_views.login_index, "page", "optional"),
    "/user/login/doLogin": Route(auth_views.do_login, "json", "optional", write=True),
    "/user/login/doLoginByText": Route(auth_views.do_login_by_text, "json", "optional", write=True),
    "/user/login/logout": Route(auth_views.logout, "page", "optional", write=True),
    "/user/index/isLogin": Route(auth_views.is_login, "json", "optional"),
    "/algorithm/index/list": Route(strategy_views.list_page, "page", "full"),
    "/algorithm/index/edit": Route(strategy_views.edit_page, "page", "full"),
    "/algorithm/index/new": Route(strategy_views.new, "page", "full", write=True),
    "/algorithm/index/save": Route(strategy_views.save, "json", "full", write=True),
    "/algorithm/index/del": Route(strategy_views.delete, "json", "full", write=True),
    "/algorithm/index/build": Route(build.build, "json", "full", write=True),
    "/algorithm/index/cancel": Route(backtest_views.cancel, "json", "full", write=True),
    "/algorithm/backtest/list": Route(backtest_views.formal_list, "page", "full"),
    "/algorithm/backtest/buildList": Route(backtest_views.build_list, "page", "full"),
    "/algorithm/backtest/detail": Route(backtest_views.detail, "page", "full"),
    "/algorithm/backtest/source": Route(backtest_views.source, "json", "optional"),
    "/algorithm/backtest/stats": Route(backtest_views.stats, "json", "optional"),
    "/algorithm/backtest/result": Route(backtest_views.result, "json", "optional"),
    "/algorithm/backtest/log": Route(backtest_views.log, "json", "optional"),
    "/algorithm/backtest/error": Route(backtest_views.error, "json", "optional"),
    "/algorithm/backtest/del": Route(backtest_views.delete, "json", "full", write=True),
    "/algorithm/backtest/transactionInfo": Route(ledger_views.transaction_info, "json", "optional"),
    "/algorithm/backtest/positionInfo": Route(ledger_views.position_info, "json", "optional"),
    "/algorithm/backtest/risk": Route(ledger_views.risk, "json", "optional"),
    "/algorithm/backtest/runTimeInfo": Route(ledger_views.run_time_info, "json", "optional"),
    "/algorithm/index/statistics": Route(ledger_views.statistics, "json", "full"),
    "/algorithm/backtest/export": Route(export_views.export, "json", "optional"),
    "/algorithm/backtest/addExportZip": Route(export_views.add_export_zip, "json", "full", write=True),
    "/algorithm/backtest/getExportStatus": Route(export_views.get_export_status, "json", "full"),
    "/algorithm/backtest/getExportZip": Route(export_views.get_export_zip, "json", "full"),
    "/community/post/listV2": Route(community_views.list_v2, "json", "optional"),
    "/community/post/detailV2": Route(community_views.detail_v2, "json", "optional"),
    "/community/post/replyList": Route(community_views.reply_list, "json", "optional"),
    "/community/post/checkBacktestView": Route(clone_views.check_backtest_view, "json", "community"),
    "/community/post/dealCreditsHander": Route(clone_views.deal_credits_hander, "json", "community", write=True),
}
