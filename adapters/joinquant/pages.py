"""Parsers of the server-rendered strategy pages: the list and the editor (protocol.md §2.3, §2.4).

The backtest pages' parsers are in ``backtest_pages`` (so that ``strategy show`` does not import
the backtest models, nor ``backtest ls`` the editor's).

Each parser raises ``ApiError`` when its page lacks the elements that make it
that page: a changed or error page must never read as an empty list.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, List, Optional, Tuple

import attrs

from jqcli.adapters.joinquant.html import (
    attr,
    by_class,
    by_id,
    cells,
    classes,
    elements,
    extract_page_token,
    first_with_attr,
    link_param,
    max_page,
    missing,
    parse_html,
    raw_text,
    text_of,
)
from jqcli.adapters.joinquant.htmlcut import cut_list_page, drop_scripts
from jqcli.adapters.joinquant.paths import EDIT_PATH, HISTORY_PATH, LIST_PATH
from jqcli.domain.strategy_detail import StrategyDetail

if TYPE_CHECKING:
    from jqcli.adapters.joinquant.htmltree import Node as Element
    from jqcli.domain.strategy import Folder, Strategy

SKIPPED_INPUT_TYPES = frozenset({"submit", "button", "image", "file", "reset"})
# Never copied from a page into a write: the token is added fresh, and useCredit=1 is only ever
# sent when the user passed --use-credit (architecture §5).
NEVER_COPIED = frozenset({"token", "useCredit", "ajax"})


def encode_code(code: str) -> str:
    """``algorithm[code]`` as the editor sends it: standard base64 of the UTF-8 source."""
    return base64.b64encode(code.encode("utf-8")).decode("ascii")


# --- strategy list ---------------------------------------------------------------------------------


@attrs.frozen
class StrategyListPage:
    strategies: Tuple[Strategy, ...]
    folders: Tuple[Folder, ...]
    pages: int


def _count(text: str) -> Optional[object]:
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isdigit() else text


def parse_strategy_list(html: str, *, folder_id: Optional[str] = None) -> StrategyListPage:
    from jqcli.domain.strategy import Folder, Strategy

    root = parse_html(cut_list_page(html, table_id="algo_table", row_class="algorithm_list", list_path=LIST_PATH))
    if by_id(root, "algo_table") is None:
        raise missing("#algo_table", LIST_PATH, page=html, folder_id=folder_id)
    strategies, folders = [], []
    for row in by_class(root, "algorithm_list", tag="tr"):
        tds = [text_of(td) for td in cells(row)] + [""] * 7
        edit_id = link_param(row, EDIT_PATH, "algorithmId")
        holder = first_with_attr(row, "_algorithmid")
        fid_holder = first_with_attr(row, "_fid")
        name_link = next(by_class(row, "file_name", tag="a"), None)
        # a ``title`` (when the page has one) holds the full name even if the visible text is shortened
        name = (attr(name_link, "title").strip() or raw_text(name_link)) if name_link is not None else tds[1]
        if not edit_id:
            fid = attr(fid_holder, "_fid") if fid_holder is not None else link_param(row, LIST_PATH, "fId")
            if not fid:
                raise missing("策略行的编辑链接", LIST_PATH, row=tds[:7])
            folders.append(Folder(id=fid, name=name, parent_id=folder_id))
            continue
        strategies.append(
            Strategy(
                id=edit_id,
                internal_id=attr(holder, "_algorithmid") if holder is not None else "",
                name=name,
                type=tds[2] or "Code",
                updated_at=tds[3],
                run_count=_count(tds[4]),
                backtest_count=_count(tds[5]),
                history_id=link_param(row, HISTORY_PATH, "algorithmId"),
                folder_id=folder_id,
            )
        )
    return StrategyListPage(tuple(strategies), tuple(folders), max_page(root, LIST_PATH))


# --- strategy editor --------------------------------------------------------------------------------


@attrs.frozen
class EditorPage:
    detail: StrategyDetail
    form: Tuple[Tuple[str, str], ...]  # every named control, in page order (minus NEVER_COPIED)
    token: str

    def form_with(self, overrides: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
        """The page's form with ``overrides`` replacing (or appended after) same-named fields."""
        names = {name for name, _ in overrides}
        return [(k, v) for k, v in self.form if k not in names] + list(overrides)


def _control_value(node: Element) -> Optional[str]:
    if node.tag == "textarea":
        return node.text or ""
    if node.tag == "select":
        options = [o for o in elements(node) if o.tag == "option"]
        chosen = next((o for o in options if "selected" in o.attrib), options[0] if options else None)
        return None if chosen is None else attr(chosen, "value", text_of(chosen))
    kind = attr(node, "type", "text").lower()
    if kind in SKIPPED_INPUT_TYPES or (kind in ("checkbox", "radio") and "checked" not in node.attrib):
        return None
    return attr(node, "value")


def parse_editor(html: str, *, edit_id: str) -> EditorPage:
    root = parse_html(drop_scripts(html))
    form: List[Tuple[str, str]] = []
    for node in elements(root):
        if node.tag in ("input", "textarea", "select") and attr(node, "name") and "disabled" not in node.attrib:
            value = _control_value(node)
            if value is not None and attr(node, "name") not in NEVER_COPIED:
                form.append((attr(node, "name"), value))
    fields = dict(form)
    saved = by_id(root, "algorithmId")
    save_id = fields.get("algorithm[algorithmId]") or (attr(saved, "value") if saved is not None else "")
    if "algorithm[code]" not in fields:
        raise missing("源码编辑框 textarea[name=algorithm[code]]", EDIT_PATH, page=html, id=edit_id)
    if not save_id:
        raise missing("保存 id input[name=algorithm[algorithmId]]", EDIT_PATH, page=html, id=edit_id)
    last = by_id(root, "backtestId")
    title = by_id(root, "title-box")
    name = fields.get("algorithm[name]") or (attr(title, "value") or text_of(title) if title is not None else "")
    detail = StrategyDetail(
        id=edit_id,
        save_id=save_id,
        name=name,
        code=fields["algorithm[code]"],
        backtest_id=attr(last, "value") if last is not None else "",
    )
    return EditorPage(detail=detail, form=tuple(form), token=extract_page_token(html))


__all__ = [
    "EditorPage",
    "StrategyListPage",
    "classes",
    "encode_code",
    "parse_editor",
    "parse_strategy_list",
]
