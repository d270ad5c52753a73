"""Strategy list, editor, new, save and del, from protocol.md §2.3–2.7 and §7.5–7.7."""

from __future__ import annotations

import base64
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox.conftest import XHR, Client

HEX32 = re.compile(r"[0-9a-f]{32}")
LIST_REFERER = {**XHR, "Referer": "http://sandbox.test/algorithm/index/list"}


def test_list_rows_have_the_seven_cells_and_three_distinct_ids(client) -> None:
    dom = client.get("/algorithm/index/list").dom
    table = dom.find("table", id="algo_table")
    rows = table.find_all("tr", cls="algorithm_list")
    assert len(rows) == 10  # default page size
    strategy = next(r for r in rows if "_algorithmid" in r.cells()[0].attrs)
    cells = strategy.cells()
    assert len(cells) == 7
    assert "select-box" in cells[0].classes and cells[0].find("input").attrs["type"] == "checkbox"
    row_id = cells[0].attrs["_algorithmid"]
    edit = cells[1].find("a")
    assert edit.classes == ["black", "file_name"]
    edit_id = re.fullmatch(r"/algorithm/index/edit\?algorithmId=([0-9a-f]{32})", edit.attrs["href"]).group(1)
    assert cells[2].text == "Code"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", cells[3].text)
    assert cells[4].text.isdigit()
    history = cells[5].find("a").attrs["href"]
    history_id = re.fullmatch(r"/algorithm/backtest/list\?algorithmId=([0-9a-f]{32})", history).group(1)
    assert cells[6].text == ""
    assert HEX32.fullmatch(row_id) and len({row_id, edit_id, history_id}) == 3


def test_folder_row_links_by_fid_and_lists_its_strategies(client) -> None:
    folder = next(r for r in client.strategy_rows() if "_fid" in r.cells()[0].attrs)
    cells = folder.cells()
    fid = cells[0].attrs["_fid"]
    assert cells[1].find("a", cls="file_name").attrs["href"] == f"/algorithm/index/list?fId={fid}"
    assert cells[2].text == "文件夹" and cells[4].text == cells[5].text == ""
    inside = [r.find("a", cls="file_name").text for r in client.strategy_rows(f"/algorithm/index/list?fId={fid}")]
    assert sorted(inside) == sorted(["ETF动量轮动", "行业ETF轮动", "债券ETF"])


def test_pagination_next_is_nodisplay_only_on_the_last_page(client) -> None:
    first = client.get("/algorithm/index/list").dom.find("ul", cls="pagination").find("li", cls="next")
    assert "nodisplay" not in first.classes and first.find("a").attrs["href"] == "/algorithm/index/list?page=2"
    last = client.get("/algorithm/index/list?page=2").dom.find("ul", cls="pagination").find("li", cls="next")
    assert "nodisplay" in last.classes


def test_rows_are_ordered_by_last_change_and_names_are_escaped(client) -> None:
    rows = [r for r in client.all_rows() if "_algorithmid" in r.cells()[0].attrs]
    times = [r.cells()[3].text for r in rows]
    assert times == sorted(times, reverse=True)
    names = [r.cells()[1].text for r in rows]
    assert names.count("双均线策略") == 2, "the seed keeps two strategies with one name"
    assert "RSI择时 <A&B>" in names
    raw = client.get("/algorithm/index/list").text + client.get("/algorithm/index/list?page=2").text
    assert "RSI择时 &lt;A&amp;B&gt;" in raw
    rows_html = re.findall(r'<tr class="algorithm_list">.*?</tr>', raw, re.S)
    assert rows_html and not any(re.search(r"<(hr|col|wbr|area|base|embed|param|source|track)\b", r) for r in rows_html)


def test_ids_rotate_per_response_and_every_old_id_still_works(client) -> None:
    first, second = client.edit_id("混合策略"), client.edit_id("混合策略")
    assert first != second
    for old in (first, second):
        assert client.editor_form(old)["algorithm[name]"] == "混合策略"


def test_rotation_off_gives_the_same_ids_every_time(make_app) -> None:
    c = Client(make_app("fixed.sqlite3", rotate_ids=False))
    c.login()
    assert c.edit_id("混合策略") == c.edit_id("混合策略")
    assert c.get("/user/index/isLogin").json["data"]["userId"] == c.get("/user/index/isLogin").json["data"]["userId"]


def test_editor_page_has_the_token_and_exactly_the_documented_inputs(client) -> None:
    edit_id = client.edit_id("RSI择时 <A&B>")
    page = client.get(f"/algorithm/index/edit?algorithmId={edit_id}")
    assert re.search(r'window\.tokenData=\{name:"token",value:"[0-9a-f]{40}"\}', page.text)
    dom = page.dom
    named = {n.attrs["name"]: n for n in dom.find_all("input") if "name" in n.attrs}
    assert set(named) == {
        "algorithm[algorithmId]", "algorithm[userId]", "algorithm[accessControl]", "algorithm[name]",
        "backtest[type]", "backtest[startTime]", "backtest[endTime]", "backtest[baseCapital]",
        "backtest[frequency]", "backtest[pyVersion]", "fontpref", "themepref",
    }  # fmt: skip
    assert named["algorithm[algorithmId]"].attrs["id"] == "algorithmId"
    assert HEX32.fullmatch(named["algorithm[algorithmId]"].attrs["value"])
    assert named["algorithm[accessControl]"].attrs["value"] == "0"
    assert (
        named["algorithm[name]"].attrs["id"] == "title-box"
        and named["algorithm[name]"].attrs["value"] == "RSI择时 <A&B>"
    )
    assert named["backtest[type]"].attrs["value"] == "1" and named["backtest[pyVersion]"].attrs["value"] == "3"
    assert dom.find("input", id="backtestId").attrs["value"] == ""  # this strategy never ran
    textarea = dom.find("textarea", id="code")
    assert textarea.attrs["name"] == "algorithm[code]" and "short < long" in textarea.text
    assert "short &lt; long" in page.text


def test_new_redirects_to_the_editor_with_an_empty_body_even_to_xhr(client) -> None:
    """protocol.md §2.5: the site answers 302 to the new editor page with an empty body (no JSON seen live)."""
    plain = client.post("/algorithm/index/new", {"restore": "0", "type": "empty"})
    assert plain.status == 302 and plain.body == b""
    edit_id = re.match(r"/algorithm/index/edit\?algorithmId=([0-9a-f]{32})", plain.header("Location")).group(1)
    assert client.get(f"/algorithm/index/edit?algorithmId={edit_id}").status == 200
    xhr = client.post("/algorithm/index/new", {"code": "print(1)\n"}, headers=LIST_REFERER)
    assert xhr.status == 302 and xhr.body == b""
    new_id = re.match(r"/algorithm/index/edit\?algorithmId=([0-9a-f]{32})", xhr.header("Location")).group(1)
    assert client.editor_form(new_id)["algorithm[code]"] == "print(1)"
    newest = client.strategy_rows()[1].find("a", cls="file_name").text  # row 0 is the folder
    assert newest == client.editor_form(new_id)["algorithm[name]"]


def test_save_decodes_base64_renames_and_moves_the_strategy_to_the_top(client) -> None:
    form = client.editor_form(client.edit_id("网格交易"))
    code = "def initialize(context):\n    if 1 < 2 and 'a' != \"b\":\n        pass  # 中文 & more\n"
    form.update({"algorithm[name]": "网格交易 v2", "algorithm[code]": base64.b64encode(code.encode()).decode()})
    form["encrType"] = "base64"
    resp = client.post("/algorithm/index/save", form, headers=XHR)
    assert resp.json["code"] == "00000" and resp.json["status"] == "0"
    assert (
        HEX32.fullmatch(resp.json["data"]["algorithmId"])
        and resp.json["data"]["algorithmId"] != form["algorithm[algorithmId]"]
    )
    top = client.strategy_rows()[1].find("a", cls="file_name")
    assert top.text == "网格交易 v2"
    assert client.editor_form(client.edit_id("网格交易 v2"))["algorithm[code]"] == code.strip()


def test_save_without_encrtype_takes_plain_code(client) -> None:
    form = client.editor_form(client.edit_id("网格交易"))
    form["algorithm[code]"] = "x = 1 + 2\n"
    assert client.post("/algorithm/index/save", form, headers=XHR).json["code"] == "00000"
    assert client.editor_form(client.edit_id("网格交易"))["algorithm[code]"] == "x = 1 + 2"


def test_del_is_refused_without_xhr_header_and_list_referer(client) -> None:
    row_id = client.strategy_rows()[1].cells()[0].attrs["_algorithmid"]
    refused = {"data": None, "status": "2", "code": "20000", "msg": "不合法请求"}
    assert client.post("/algorithm/index/del", {"algorithmId": row_id}).json == refused
    assert client.post("/algorithm/index/del", {"algorithmId": row_id}, headers=XHR).json == refused
    referer_only = {"Referer": "http://sandbox.test/algorithm/index/list"}
    assert client.post("/algorithm/index/del", {"algorithmId": row_id}, headers=referer_only).json == refused
    name = client.strategy_rows()[1].find("a", cls="file_name").text
    ok = client.post("/algorithm/index/del", {"algorithmId": row_id}, headers=LIST_REFERER)
    assert ok.json["code"] == "00000"
    assert name not in [r.find("a", cls="file_name").text for r in client.all_rows()]


def test_other_accounts_cannot_open_the_demo_strategies(app, client) -> None:
    edit_id = client.edit_id("混合策略")
    other = Client(app)
    other.login("13900000000", "jqcli-demo2")
    assert other.get(f"/algorithm/index/edit?algorithmId={edit_id}").status == 404
    assert other.strategy_rows() == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=200))
def test_any_code_round_trips_through_base64_save_and_the_escaped_textarea(client, code) -> None:
    edit_id = client.edit_id("海龟交易法则")
    form = client.editor_form(edit_id)
    form.update({"algorithm[code]": base64.b64encode(code.encode()).decode(), "encrType": "base64"})
    assert client.post("/algorithm/index/save", form, headers=XHR).json["code"] == "00000"
    assert client.editor_form(edit_id)["algorithm[code]"] == code.strip()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page_size=st.integers(min_value=1, max_value=14))
def test_pages_cover_every_root_row_exactly_once_for_any_page_size(make_app, page_size) -> None:
    c = Client(make_app(f"pages-{page_size}.sqlite3", page_size=page_size, posts=0, rotate_ids=False))
    c.login()
    rows = c.all_rows()
    ids = [r.cells()[0].attrs.get("_algorithmid") or r.cells()[0].attrs["_fid"] for r in rows]
    assert len(ids) == len(set(ids)) == 13
    assert all(len(c.get(f"/algorithm/index/list?page={p}").dom.find_all("tr", cls="algorithm_list")) <= page_size
               for p in range(1, 3))  # fmt: skip
