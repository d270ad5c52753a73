"""The site's HTML, written from protocol.md §2.1, §2.3, §2.4, §2.9, §2.10 and §7.5–7.10.

Rows only ever contain the void elements input/br (protocol.md §2.9: a
parser that counts depth treats only input/br/img/meta/link as void).
"""

from __future__ import annotations

from html import escape
from typing import Dict, List, Optional, Sequence, cast

CDN = "https://cdn.joinquant.com"


def e(text: object) -> str:
    return escape(str(text), quote=True)


def token_script(token: str) -> str:
    return f'<script>window.tokenData={{name:"token",value:"{token}"}}</script>'


def page(title: str, body: str, *, head: str = "", logged_in: bool = True) -> str:
    nav = (
        '<div class="header"><a class="logo" href="/">聚宽</a>'
        '<a class="menu" href="/algorithm/index/list">我的策略</a>'
        '<a class="menu" href="/view/community/list">社区</a>'
        '<a class="logout" href="/user/login/logout">退出</a></div>'
        if logged_in
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(title)}</title>\n{head}\n</head>\n<body>\n{nav}\n{body}\n</body>\n</html>\n"
    )


def login_page(token: str) -> str:
    body = (
        '<div class="login-box">\n'
        '<form class="formPwdLogin" action="/user/login/doLogin" method="post">\n'
        '<input type="text" name="CyLoginForm[username]" id="username" placeholder="手机号/邮箱" value="">\n'
        '<input type="password" name="CyLoginForm[pwd]" id="pwd" placeholder="密码" value="">\n'
        f'<input type="hidden" name="token" value="{token}">\n'
        '<input type="checkbox" id="agreementBox">\n'
        '<button type="submit" class="login-submit btnPwdSubmit">登录</button>\n'
        "</form>\n"
        '<form class="formTextLogin" action="/user/login/doLoginByText" method="post">\n'
        '<input type="text" name="username" value=""><input type="password" name="pwd" value="">\n'
        "</form>\n</div>\n"
        f'<script src="{CDN}/std/dist/modules/user/login/index.bundle.js"></script>\n'
        f'<script src="{CDN}/std/asset/general/login-dialog.bundle.js"></script>'
    )
    return page("用户登录 - 聚宽", body, head=token_script(token), logged_in=False)


def pagination(base: str, current: int, last: int) -> str:
    """``ul.pagination`` with ``li.next`` (class ``nodisplay`` on the last page)."""
    sep = "&" if "?" in base else "?"
    items = []
    prev_cls = "prev" + (" nodisplay" if current <= 1 else "")
    prev_href = f"{base}{sep}page={current - 1}" if current > 1 else "javascript:;"
    items.append(f'<li class="{prev_cls}"><a href="{e(prev_href)}">上一页</a></li>')
    for number in range(1, last + 1):
        cls = ' class="active"' if number == current else ""
        items.append(f'<li{cls}><a href="{e(f"{base}{sep}page={number}")}">{number}</a></li>')
    next_cls = "next" + (" nodisplay" if current >= last else "")
    next_href = f"{base}{sep}page={current + 1}" if current < last else "javascript:;"
    items.append(f'<li class="{next_cls}"><a href="{e(next_href)}">下一页</a></li>')
    return '<ul class="pagination">' + "".join(items) + "</ul>"


def strategy_row(row: Dict[str, object]) -> str:
    cells = [
        f'<td class="select-box" _algorithmId="{row["row_id"]}"><input type="checkbox" class="algo-check"></td>',
        f'<td class="align-left"><a class="black file_name" href="/algorithm/index/edit?algorithmId={row["edit_id"]}">'
        f"{e(row['name'])}</a></td>",
        "<td>Code</td>",
        f"<td>{row['modified']}</td>",
        f'<td><a href="/algorithm/backtest/buildList?algorithmId={row["history_id"]}">{row["compiles"]}</a></td>',
        f'<td><a href="/algorithm/backtest/list?algorithmId={row["history_id"]}">{row["backtests"]}</a></td>',
        '<td class="operate"><a class="op-del" href="javascript:;" title="删除"></a></td>',
    ]
    return '<tr class="algorithm_list">' + "".join(cells) + "</tr>"


def folder_row(fid: int, name: str, modified: str) -> str:
    cells = [
        f'<td class="select-box" _fId="{fid}"><input type="checkbox" class="algo-check"></td>',
        f'<td class="align-left"><a class="black file_name" href="/algorithm/index/list?fId={fid}">{e(name)}</a></td>',
        "<td>文件夹</td>",
        f"<td>{modified}</td>",
        "<td></td>",
        "<td></td>",
        '<td class="operate"></td>',
    ]
    return '<tr class="algorithm_list">' + "".join(cells) + "</tr>"


def strategy_list_page(rows: Sequence[str], pager: str, *, folder_name: str = "") -> str:
    heads = "".join(f"<th>{h}</th>" for h in ("", "策略名称", "类型", "最后修改时间", "历史编译", "历史回测", "操作"))
    crumb = f'<div class="breadcrumb"><a href="/algorithm/index/list">我的策略</a> / {e(folder_name)}</div>'
    body = (
        (crumb if folder_name else "")
        + f'<table id="algo_table" class="table table-hover">\n<thead><tr>{heads}</tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + f"\n</tbody>\n</table>\n{pager}\n"
        + f'<script src="{CDN}/std/algorithm/js/list.min.js"></script>'
    )
    return page("我的策略 - 聚宽", body)


def editor_page(form: Dict[str, str], code: str, token: str, last_backtest: str) -> str:
    inputs = [
        f'<input type="hidden" id="backtestId" value="{e(last_backtest)}">',
        f'<input type="hidden" id="algorithmId" name="algorithm[algorithmId]" value="{e(form["save_id"])}">',
        f'<input type="hidden" name="algorithm[userId]" value="{e(form["user_id"])}">',
        '<input type="hidden" name="algorithm[accessControl]" id="accessControl" value="0">',
        f'<input type="text" name="algorithm[name]" id="title-box" value="{e(form["name"])}">',
        '<input type="hidden" name="backtest[type]" id="type" value="1">',
        f'<input type="text" name="backtest[startTime]" id="startTime" value="{e(form["start"])}">',
        f'<input type="text" name="backtest[endTime]" id="endTime" value="{e(form["end"])}">',
        f'<input type="text" name="backtest[baseCapital]" id="baseCapital" value="{e(form["capital"])}">',
        f'<input type="hidden" name="backtest[frequency]" id="frequency" value="{e(form["frequency"])}">',
        '<input type="hidden" name="backtest[pyVersion]" id="pyVersion" value="3">',
        '<input type="hidden" name="fontpref" value="default">',
        '<input type="hidden" name="themepref" value="ambiance">',
    ]
    body = (
        f'<div class="algo-title">{e(form["name"])}</div>\n'
        '<form name="AlgorithmModel" id="algorithm-form" method="post">\n'
        + "\n".join(inputs)
        + f'\n<textarea name="algorithm[code]" id="code">{e(code)}</textarea>\n</form>\n'
        + f'<script src="{CDN}/std/algorithm/js/edit.min.js"></script>'
    )
    return page(f"{form['name']} - 策略编辑 - 聚宽", body, head=token_script(token))


HISTORY_HEADS = (
    "", "序号", "名称", "创建时间", "回测区间", "初始资金", "运行时间", "频率", "收益", "基准收益", "最大回撤",
    "年化收益", "夏普", "阿尔法", "贝塔", "胜率", "状态", "Python版本",
)  # fmt: skip


def history_row(row: Dict[str, object]) -> str:
    metrics = "".join(f"<td>{m}</td>" for m in cast(List[str], row["metrics"]))
    hidden = "".join('<td class="hidden">--</td>' for _ in range(5))
    return (
        f'<tr class="backtest-tr" _backtestId="{row["list_id"]}" _backtestId2="{row["detail_id"]}" '
        f'_idx="{row["idx"]}" _status="{row["status"]}">'
        f'<td class="select-box"><input type="checkbox" class="backtest-check">'
        f'<input type="hidden" class="hidden source-code" _backtestId="{row["source_id"]}" '
        f'backtestId_="{row["numeric_id"]}"></td>'
        f"<td>{row['idx']}</td>"
        f'<td class="align-left"><span class="backtest-name" title="{e(row["name"])}">{e(row["name"])}</span>'
        f'<!-- <a href="/algorithm/backtest/detail?backtestId={row["detail_id"]}">查看</a> --></td>'
        f'<td class="backtest-list__td_create-time hidden">{row["created_date"]}<br>{row["created_clock"]}</td>'
        f"<td>{row['start']}<br>- {row['end']}</td>"
        f'<td class="backtest-list__td_base-capital hidden">{row["capital"]}</td>'
        f"<td>{row['run_time']}</td>"
        f"<td>{row['frequency']}</td>"
        f"{metrics}{hidden}"
        f'<td><span class="backtest-list__backtest-status">{row["status_text"]}</span></td>'
        '<td class="backtest-list__td_python-version hidden pythonVersion">Python3</td>'
        "</tr>"
    )


def history_page(title: str, rows: List[str], pager: str) -> str:
    heads = "".join(f"<th>{h}</th>" for h in HISTORY_HEADS)
    body = (
        f'<div class="algo-title">{e(title)}</div>\n'
        f'<table id="backtest-feed-table" class="table">\n<thead><tr>{heads}</tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + f"\n</tbody>\n</table>\n{pager}"
    )
    return page(f"{title} - 回测列表 - 聚宽", body)


def detail_page(info: Dict[str, str], code: str, token: str, export_ids: Optional[List[str]] = None) -> str:
    # protocol.md §9.7: <a id="export-transaction-button" type="transaction" backtestid="…">, likewise position and
    # log, each button with its own id (different from each other and from the run id).
    buttons = "".join(
        f'<a id="export-{kind}-button" class="export-btn" type="{kind}" backtestid="{bid}">{label}</a>'
        for bid, kind, label in zip(
            export_ids or [], ("transaction", "position", "log"), ("导出交易详情", "导出持仓详情", "导出日志")
        )
    )
    body = (
        f'<input type="hidden" name="backtest[backtestId]" id="backtestId" value="{info["run_id"]}">\n'
        f'<input type="hidden" name="backtest[algorithmId]" id="algorithmId" value="{info["algorithm_id"]}">\n'
        f'<input type="hidden" name="startTime" id="startTime" value="{info.get("start_input", info["start"])}">\n'
        '<input type="hidden" id="tradePyVersion" value="3">\n'
        f'<input type="hidden" id="backtest-decryptId" value="{info["numeric_id"]}">\n'
        f'<div class="backtest-head"><span class="backtest_name" id="title-box">{e(info["name"])}</span>\n'
        f'<span id="startDate">{info["start"]}</span> - <span id="endDate">{info["end"]}</span>\n'
        f'<span id="baseCapital">￥{info["capital"]}</span>\n'
        f'<span id="frequency" value="{info["frequency"]}">{info["frequency_text"]}</span>\n'
        f'<span class="backtest-status" _status="{info["status"]}">{info["status_text"]}</span></div>\n'
        f'<div class="export">{buttons}</div>\n'
        f'<textarea id="code" class="hidden" _backtestId="{info["source_id"]}">{e(code)}</textarea>\n'
        f'<script src="{CDN}/themes/jq/static/algorithm/js/detail.min.js"></script>'
    )
    return page(f"{info['name']} - 回测详情 - 聚宽", body, head=token_script(token))


def not_found_page() -> str:
    return page("页面不存在 - 聚宽", '<div class="error-404">您访问的页面不存在</div>', logged_in=False)
