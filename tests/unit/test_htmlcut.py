"""Cutting pages before html5lib: the cut page always parses to what the whole page parses to."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jqcli.adapters.joinquant import pages
from jqcli.adapters.joinquant.html import max_page, parse_html
from jqcli.adapters.joinquant.htmlcut import cut_list_page, drop_scripts, element_span, shrink_pager
from jqcli.adapters.sandbox.site import markup

LIST = "/algorithm/index/list"

# Things a changed page could carry around the table, each of which must either be harmless to the
# cut or make it fall back to the whole page.
JUNK = [
    "",
    '<div class="header"><a class="menu" href="/algorithm/index/list">我的策略</a></div>',
    '<a href="/algorithm/index/list?page=77">77</a>',
    '<script>var rows = $(".algorithm_list");</script>',
    '<!-- <table id="algo_table"> -->',
    '<table><tr class="algorithm_list"><td></td><td><a class="file_name" '
    'href="/algorithm/index/edit?algorithmId=outside">外面</a></td></tr></table>',
    '<ul class="pagination"><li><a href="/algorithm/index/list?page=9">9</a></li></ul>',
    '<textarea><table id="algo_table"></textarea>',
]


def strategy_rows(count: int) -> list:
    return [
        markup.strategy_row(
            {
                "row_id": f"r{i}",
                "edit_id": f"e{i}",
                "name": f"策略{i} <&>",
                "modified": "2024-01-02 10:00:00",
                "history_id": f"h{i}",
                "compiles": i,
                "backtests": 2 * i,
            }
        )  # fmt: skip
        for i in range(count)
    ]


def parse_whole(html: str) -> pages.StrategyListPage:
    original = pages.cut_list_page
    try:
        pages.cut_list_page = lambda text, **_: text  # type: ignore[assignment]
        return pages.parse_strategy_list(html)
    finally:
        pages.cut_list_page = original  # type: ignore[assignment]


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 12),
    st.integers(1, 40),
    st.integers(1, 40),
    st.sampled_from(JUNK),
    st.sampled_from(JUNK),
    st.booleans(),
)
def test_a_cut_strategy_list_parses_like_the_whole_page(rows, current, last, before, after, folder) -> None:
    current = min(current, last)
    base = f"{LIST}?fId=f1" if folder else LIST
    body = before + markup.strategy_list_page(strategy_rows(rows), markup.pagination(base, current, last)) + after
    whole = parse_whole(body)
    assert pages.parse_strategy_list(body) == whole
    assert len(whole.strategies) >= rows


def test_the_cut_keeps_only_table_and_a_short_pager() -> None:
    html = markup.strategy_list_page(strategy_rows(10), markup.pagination(LIST, 50, 100))
    cut = cut_list_page(html, table_id="algo_table", row_class="algorithm_list", list_path=LIST)
    assert len(cut) < len(html) / 2
    assert cut.count("page=") == 4  # 上一页, the current page (class active), the highest page, 下一页
    assert max_page(parse_html(cut), LIST) == max_page(parse_html(html), LIST) == 100


def test_a_row_outside_the_table_makes_the_cut_fall_back() -> None:
    html = markup.strategy_list_page(strategy_rows(2), markup.pagination(LIST, 1, 1)) + JUNK[5]
    assert cut_list_page(html, table_id="algo_table", row_class="algorithm_list", list_path=LIST) == html


def test_a_paged_link_outside_the_pager_makes_the_cut_fall_back() -> None:
    html = markup.strategy_list_page(strategy_rows(2), markup.pagination(LIST, 1, 3)) + JUNK[2]
    assert cut_list_page(html, table_id="algo_table", row_class="algorithm_list", list_path=LIST) == html


@pytest.mark.parametrize("inner", ["<!-- </table> -->", "<script>'</table>'</script>", "<textarea></table></textarea>"])
def test_element_span_refuses_content_that_moves_the_end(inner) -> None:
    assert element_span(f'<table id="t"><tr><td>{inner}</td></tr></table>', "table", 'id="t"') is None


def test_element_span_counts_nested_tables() -> None:
    text = '<p><table id="t"><tr><td><table><tr><td>x</td></tr></table></td></tr></table><i>after</i>'
    span = element_span(text, "table", 'id="t"')
    assert span is not None and text[span[0] : span[1]].endswith("</table></td></tr></table>")


def test_shrink_pager_keeps_classed_items_and_the_highest_plain_number() -> None:
    pager = (
        '<ul class="pagination"><li class="prev"><a href="/l?page=1">上一页</a></li>'
        '<li><a href="/l?page=1">1</a></li><li class="active"><a href="/l?page=2">2</a></li>'
        '<li><a href="/l?page=3">3</a></li><li><a href="/l?page=30">30</a></li>'
        '<li class="next"><a href="/l?page=3">下一页</a></li></ul>'
    )
    shrunk = shrink_pager(pager)
    assert ">1</a>" not in shrunk and ">3</a>" not in shrunk
    assert ">30</a>" in shrunk and 'class="active"' in shrunk and "上一页" in shrunk and "下一页" in shrunk


def test_drop_scripts_leaves_textarea_contents_alone() -> None:
    page = (
        "<html><head><script>var a = '<table>';</script><style>p{}</style></head><body>"
        "<form><textarea name=\"algorithm[code]\">x = '<script>'\n</textarea></form>"
        "<script>late()</script></body></html>"
    )
    dropped = drop_scripts(page)
    assert "var a" not in dropped and "p{}" not in dropped
    assert "<textarea name=\"algorithm[code]\">x = '<script>'\n</textarea>" in dropped


def test_drop_scripts_keeps_a_page_whose_script_runs_past_a_comment() -> None:
    page = "<html><head><script>document.write('<!--');</script></head><body><input name=a value=1></body></html>"
    assert drop_scripts(page) == page


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="<>/!-abcdefghilmnoprstxy =\"'\n", max_size=120),
    st.text(alphabet='<>/!-aceiprstx"', max_size=40),
)
def test_drop_scripts_never_changes_what_the_editor_reads(noise, body_noise) -> None:
    page = markup.page(
        "策略",
        f'{body_noise}<form><input name="algorithm[name]" value="n">'
        f'<textarea name="algorithm[code]">code</textarea><input name="algorithm[algorithmId]" value="s"></form>',
        head=f"<script>{noise}</script><style>{noise}</style>",
    )
    original = pages.drop_scripts
    try:
        pages.drop_scripts = lambda text: text  # type: ignore[assignment]
        whole = _editor_or_error(page)
    finally:
        pages.drop_scripts = original  # type: ignore[assignment]
    assert _editor_or_error(page) == whole


def _editor_or_error(page: str) -> object:
    try:
        return pages.parse_editor(page, edit_id="e").form
    except Exception as exc:  # the same failure either way is what matters
        return type(exc).__name__
