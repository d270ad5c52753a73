"""Page parsers (html5lib) on markup shaped like the live pages (protocol.md §2.3, §2.4, §2.9, §2.10)."""

from __future__ import annotations

import base64
import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jqcli.adapters.joinquant.backtest_pages import parse_backtest_detail, parse_backtest_list
from jqcli.adapters.joinquant.backtests import JoinQuantBacktestGateway
from jqcli.adapters.joinquant.pages import encode_code, parse_editor, parse_strategy_list
from jqcli.domain.backtest import MODES
from jqcli.domain.errors import ApiError

LIST_HTML = """<!DOCTYPE html><html><head><title>我的策略</title></head><body>
<a href="/user/login/logout">退出</a>
<table id="algo_table"><tbody>
<tr class="algorithm_list">
  <td class="select-box" _fId="f01"><input type="checkbox"></td>
  <td><a class="black file_name" href="/algorithm/index/list?fId=f01">我的文件夹</a></td>
  <td>文件夹</td><td>2025-10-01 10:00:00</td><td></td><td></td><td></td></tr>
<tr class="algorithm_list">
  <td class="select-box" _algorithmId="c8546c1d149c650ec420bbee2fe12637"><input type="checkbox"></td>
  <td><a class="black file_name"
         href="/algorithm/index/edit?algorithmId=41faea7d0299bc92c71364d9cd878259">混合策略 &amp; &lt;ETF&gt;</a></td>
  <td>Code</td><td>2025-10-08 12:48:07</td><td>0</td>
  <td><a href="/algorithm/backtest/list?algorithmId=9999aaaa9999aaaa9999aaaa9999aaaa">1</a></td><td> </td></tr>
</tbody></table>
<ul class="pagination"><li><a href="/algorithm/index/list?page=2">2</a></li>
<li class="next"><a href="/algorithm/index/list?page=3">下一页</a></li></ul>
</body></html>"""


def editor_html(code: str, *, name: str = "全天候ETF", extra: str = "") -> str:
    return f"""<html><head><script>window.tokenData={{name:"token",value:"abc123"}}</script></head><body>
<form name="AlgorithmModel">
<input type="hidden" id="backtestId" value="34df343239d1055d091782e071fb7e93">
<input type="hidden" id="algorithmId" name="algorithm[algorithmId]" value="2b579058c142e5ecb58627a128ae2645">
<input type="hidden" name="algorithm[userId]" value="u1">
<input type="hidden" id="accessControl" name="algorithm[accessControl]" value="0">
<input type="text" id="title-box" name="algorithm[name]" value="{html.escape(name)}">
<input type="hidden" id="type" name="backtest[type]" value="1">
<input name="backtest[startTime]" value="2024-01-01"><input name="backtest[endTime]" value="2024-02-01">
<input name="backtest[baseCapital]" value="100000"><input name="backtest[frequency]" value="day">
<input name="backtest[pyVersion]" value="3"><input name="useCredit" value="1">
<input type="checkbox" name="unchecked" value="x"><input type="submit" name="go" value="运行">
{extra}
<textarea name="algorithm[code]" id="code">\n{html.escape(code, quote=False)}</textarea>
</form></body></html>"""


def test_strategy_list_rows_folders_and_pages() -> None:
    page = parse_strategy_list(LIST_HTML)
    (s,) = page.strategies
    assert s.id == "41faea7d0299bc92c71364d9cd878259"
    assert s.internal_id == "c8546c1d149c650ec420bbee2fe12637"
    assert s.name == "混合策略 & <ETF>" and s.type == "Code" and s.updated_at == "2025-10-08 12:48:07"
    assert s.run_count == 0 and s.backtest_count == 1 and s.history_id == "9999aaaa" * 4
    assert [(f.id, f.name) for f in page.folders] == [("f01", "我的文件夹")]
    assert page.pages == 3


def test_strategy_list_without_table_is_an_api_error_not_an_empty_list() -> None:
    with pytest.raises(ApiError) as info:
        parse_strategy_list("<html><body><p>系统维护中</p></body></html>")
    assert info.value.details["missing"] == "#algo_table"


def test_empty_account_lists_nothing() -> None:
    page = parse_strategy_list('<table id="algo_table"><tbody></tbody></table>')
    assert page.strategies == () and page.pages == 1


def test_editor_form_excludes_use_credit_token_unchecked_and_buttons() -> None:
    page = parse_editor(editor_html("print(1)\n"), edit_id="e" * 32)
    names = [name for name, _ in page.form]
    assert "useCredit" not in names and "unchecked" not in names and "go" not in names
    assert page.detail.save_id == "2b579058c142e5ecb58627a128ae2645"
    assert page.detail.backtest_id == "34df343239d1055d091782e071fb7e93"
    assert page.detail.name == "全天候ETF" and page.token == "abc123"
    assert page.form_with([("algorithm[name]", "x")])[-1] == ("algorithm[name]", "x")


def test_editor_without_code_textarea_is_an_api_error() -> None:
    with pytest.raises(ApiError):
        parse_editor("<html><body><input name='algorithm[algorithmId]' value='x'></body></html>", edit_id="e")


CODE_SAMPLES = [
    "def initialize(context):\n\tpass\n",
    "# 中文注释\nif a < b and c > d & e:\n    print('&lt; 不是实体')\n\n\n",
    "\n\nleading newlines\n",
    "no trailing newline",
    "</textarea><script>alert(1)</script>\n",
]


@pytest.mark.parametrize("code", CODE_SAMPLES)
def test_code_round_trips_through_escaped_textarea(code) -> None:
    assert parse_editor(editor_html(code), edit_id="e").detail.code == code


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), max_size=200))
def test_code_round_trips_byte_for_byte(code) -> None:
    parsed = parse_editor(editor_html(code), edit_id="e").detail.code
    assert parsed == code
    assert base64.b64decode(encode_code(parsed)).decode("utf-8") == code


BACKTEST_LIST_HTML = """<html><body><table id="backtest-feed-table"><thead><tr><th>x</th></tr></thead><tbody>
<tr class="backtest-tr" _backtestId="9d0018152c49f2a9023c26473610ba7a"
    _backtestId2="b1c8059fddb8cc515b825fa9500271f6" _idx="1" _status="2">
<td><input class="hidden source-code" _backtestId="eff29de3bc4308d804671fbfa305ee09" backtestId_="55544646"></td>
<td>1</td>
<td class="align-left"><span class="backtest-name" title="全天候ETF">全天候ETF</span>
<!-- <a href="/algorithm/backtest/detail?backtestId=00">x</a> --></td>
<td class="backtest-list__td_create-time">2026-04-25<br>20:51:26</td>
<td>2024-01-02<br>- 2024-01-10</td>
<td class="backtest-list__td_base-capital">1000000</td><td>1秒</td><td>每天</td>
<td>0.54%</td><td>0.33%</td><td>--</td><td>--</td><td>--</td><td>--</td><td>--</td><td>--</td>
<td><span class="backtest-list__backtest-status">完成</span></td>
<td class="backtest-list__td_python-version">Python3</td></tr>
<tr class="backtest-tr" _backtestId="l2" _backtestId2="d2" _status="1">
<td><input class="hidden source-code" _backtestId="s2"></td>
<td>2</td><td><span class="backtest-name" title="b">b</span></td><td>2026-04-25<br>21:00:00</td>
<td>2024-01-02<br>- 2024-01-10</td>
<td>--</td><td>--</td><td>分钟</td><td>--</td><td>--</td><td>--</td>
<td>--</td><td>--</td><td>--</td><td>--</td><td>--</td>
<td><span class="backtest-list__backtest-status"></span></td><td></td></tr>
</tbody></table></body></html>"""


def test_backtest_list_rows() -> None:
    rows, pages = parse_backtest_list(BACKTEST_LIST_HTML, path="/algorithm/backtest/list")
    first, second = rows
    assert (first.id, first.list_id, first.source_id, first.numeric_id) == (
        "b1c8059fddb8cc515b825fa9500271f6",
        "9d0018152c49f2a9023c26473610ba7a",
        "eff29de3bc4308d804671fbfa305ee09",
        "55544646",
    )
    assert first.name == "全天候ETF" and first.status == "done" and first.submitted_at == "2026-04-25 20:51:26"
    assert (first.start_date, first.end_date, first.capital, first.frequency) == (
        "2024-01-02",
        "2024-01-10",
        1000000.0,
        "每天",
    )
    assert first.metrics == {"algorithm_return": "0.54%", "benchmark_return": "0.33%", "max_drawdown": "--"}
    assert second.status == "running" and second.capital is None  # `_status` 1 = running, not failed
    assert pages == 1


def test_backtest_list_missing_table_is_api_error() -> None:
    with pytest.raises(ApiError):
        parse_backtest_list("<html><body>oops</body></html>", path="/algorithm/backtest/buildList")


DETAIL_HTML = """<html><body><script>window.tokenData={name:"token",value:"t"}</script>
<input type="hidden" name="backtest[backtestId]" id="backtestId" value="runrunrun">
<input type="hidden" name="backtest[algorithmId]" id="algorithmId" value="algo1">
<input name="startTime" id="startTime" value="2024-01-02">
<textarea id="code" _backtestId="src1">x</textarea><div id="title-box">全天候ETF</div>
<span id="startDate">2024-01-02</span><span id="endDate">2024-01-10</span><span id="baseCapital">￥100000</span>
<input id="frequency" value="day"></body></html>"""


def test_backtest_detail_reads_run_id_and_fields() -> None:
    d = parse_backtest_detail(DETAIL_HTML, backtest_id="55544646")
    assert (d.run_id, d.strategy_id, d.start_date, d.end_date, d.source_id, d.name) == (
        "runrunrun",
        "algo1",
        "2024-01-02",
        "2024-01-10",
        "src1",
        "全天候ETF",
    )
    assert d.capital == 100000.0 and d.frequency == "day"  # a number, as in the history list


def test_backtest_detail_json_variant_and_missing_elements() -> None:
    d = parse_backtest_detail('{"data":{"backtest":{"backtestId":"abc"}},"code":"00000"}', backtest_id="1")
    assert d.run_id == "abc"
    with pytest.raises(ApiError):
        parse_backtest_detail("<html><body>nothing</body></html>", backtest_id="1")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip))
def test_strategy_names_round_trip_through_the_list_page(name) -> None:
    row = (
        '<tr class="algorithm_list"><td class="select-box" _algorithmId="r1"></td>'
        f'<td><a class="black file_name" href="/algorithm/index/edit?algorithmId=e1">{html.escape(name)}</a></td>'
        "<td>Code</td><td>2025-01-01 00:00:00</td><td>0</td><td>0</td><td></td></tr>"
    )
    (parsed,) = parse_strategy_list(f'<table id="algo_table"><tbody>{row}</tbody></table>').strategies
    assert parsed.name == name.strip()


class PagedHistorySession:
    """A session serving the same two-row history page as pages 1–3 of a strategy's list."""

    def __init__(self) -> None:
        self.pages_read: list = []

    def get_text(self, path, params=None, **_):  # type: ignore[no-untyped-def]
        page = (params or {}).get("page", 1)
        self.pages_read.append(page)
        pager = "".join(f'<a href="{path}?algorithmId=a&amp;page={n}">{n}</a>' for n in (1, 2, 3))
        return BACKTEST_LIST_HTML.replace("</table>", f"</table><ul>{pager}</ul>")


def test_history_pages_are_fetched_only_as_rows_are_read() -> None:
    session = PagedHistorySession()
    rows = JoinQuantBacktestGateway(session).list_backtests("a", MODES["backtest"])  # type: ignore[arg-type]
    assert session.pages_read == []
    assert [next(rows).name for _ in range(3)] == ["全天候ETF", "b", "全天候ETF"]
    assert session.pages_read == [1, 2]
    assert len(list(rows)) == 3 and session.pages_read == [1, 2, 3]
